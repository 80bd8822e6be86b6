/*
 * What xsmlPlatform.c offers to the host program (main.c), in terms of the public xs.h API.
 */
#ifndef XSML_HOST_H
#define XSML_HOST_H

#include "xs.h"

/* Queues PATH to run as an ES module (imports resolved relative to it) when xsmlRunJobs runs
   the promise jobs; a failure there is reported and exits 1. */
void xsmlRunModule(xsMachine* the, const char* path);
/* Runs PATH as a classic script (sloppy unless "use strict"), globals shared with the host. */
void xsmlRunProgram(xsMachine* the, const char* path);
/* Runs queued promise jobs until none is left, then fails on unhandled rejections. */
void xsmlRunJobs(xsMachine* the);
/* Prints "xsml: error: <String(exception)>" on stderr (never throws). */
void xsmlReportException(xsMachine* the, xsSlot* exception);
/* Prints the machine's memory high-water marks on stderr (for sizing creation parameters). */
void xsmlReportMemory(xsMachine* the);

#endif /* XSML_HOST_H */

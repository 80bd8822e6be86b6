/*
 * The firmware's XS layer (hosts/mps2/xs/xsmlBoardPlatform.c), called by hosts/mps2/main.c.
 * Functions taking a txMachine use XS internals; call them inside xsBeginHost/xsTry.
 */
#ifndef XSML_BOARD_H
#define XSML_BOARD_H

#include "xs.h"
#include "xsml_bytecode.h"

/* Exit statuses of the firmware (the QEMU process exits with them, see hosts/mps2/run.sh). */
#define XSML_EXIT_OK 0
#define XSML_EXIT_EXCEPTION 1 /* an uncaught JS exception, or the script called exit(1) */
#define XSML_EXIT_FATAL 2 /* XS aborted: memory, stack overflow, keys */
#define XSML_EXIT_FAULT 3 /* a CPU fault (the handler prints the registers) */

void xsmlRunBytecode(xsMachine* the, const xsml_bytecode* bytecode);
void xsmlRunJobs(xsMachine* the);
void xsmlReportException(xsMachine* the, xsSlot* exception);
void xsmlReportMemory(xsMachine* the);

#endif

/*
 * xsml's platform header for the XS engine on a desktop (Linux, 64-bit).
 * XS's xsPlatform.h includes it when compiled with -DINCLUDE_XSPLATFORM -DXSPLATFORM="xsmlPlatform.h".
 * Kept close to what the Cortex-M port needs: no threads, no debugger, no GLib; only the
 * machine-platform fields XS itself touches, plus a flag for our promise-job queue.
 */
#ifndef XSML_PLATFORM_H
#define XSML_PLATFORM_H

#undef mxLittleEndian
#define mxLittleEndian 1
#undef mxBigEndian
#define mxBigEndian 0
#undef mxLinux
#define mxLinux 1

#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define C_PATH_MAX PATH_MAX

/* Fixed-width types as on the board (there uint32_t is unsigned long; here it is already unsigned int). */
#define txS4 int
#define txU4 unsigned int

/* Use the generic implementations in xsPlatforms.c for everything except the three functions
   xsmlPlatform.c provides: fxAbort, fxQueuePromiseJobs, fxCStackLimit (plus module lookup). */
#define mxUseDefaultMachinePlatform 1
#define mxUseDefaultBuildKeys 1
#define mxUseDefaultChunkAllocation 1
#define mxUseDefaultSlotAllocation 1
#define mxUseDefaultParseScript 1
#define mxUseDefaultSharedChunks 1
#define mxUseDefaultFindModule 0
#define mxUseDefaultLoadModule 0
#define mxUseDefaultQueuePromiseJobs 0
#define mxUseDefaultAbort 0
#define mxUseDefaultCStackLimit 0
#define mxUseDefaultDebug 1

/* waiter*: used by Atomics.wait/notify (xsAtomics.c); promiseJobs: set by fxQueuePromiseJobs. */
#define mxMachinePlatform \
	void* waiterCondition; \
	void* waiterData; \
	void* waiterLink; \
	int promiseJobs;

#endif /* XSML_PLATFORM_H */

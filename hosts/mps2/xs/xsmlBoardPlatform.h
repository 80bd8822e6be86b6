/*
 * xsml's platform header for the XS engine on a bare-metal Cortex-M (the MPS2 boards under QEMU;
 * arm-none-eabi-gcc + newlib). XS's xsPlatform.h includes it when compiled with
 * -DINCLUDE_XSPLATFORM -DXSPLATFORM='"xsmlBoardPlatform.h"'.
 * No threads, no debugger, no file system, no parser: the firmware runs byte code compiled on
 * the desktop (hosts/mps2/tools/xsml-xsc.c). hosts/mps2/xs/xsmlBoardPlatform.c has the functions.
 */
#ifndef XSML_BOARD_PLATFORM_H
#define XSML_BOARD_PLATFORM_H

#undef mxLittleEndian
#define mxLittleEndian 1
#undef mxBigEndian
#define mxBigEndian 0

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

#define C_PATH_MAX 256

/* On arm-none-eabi uint32_t is unsigned long and int32_t is long: XS mixes txU4/txS4 with
   unsigned int/int pointers, which GCC rejects; make them the int types, as on the desktop. */
#define txS4 int
#define txU4 unsigned int

/* The generic implementations of xsPlatforms.c (malloc'd chunks and slots, keys, machine platform,
   shared chunks without threads); ours for fxAbort, fxQueuePromiseJobs, fxCStackLimit, module lookup
   (none: the board runs scripts) and fxParseScript (the parser is not linked). */
#define mxUseDefaultMachinePlatform 1
/* BYTECODE=flash builds (XSML_FLASH_BYTECODE) register the byte code's names while the machine is created. */
#ifdef XSML_FLASH_BYTECODE
#define mxUseDefaultBuildKeys 0
#else
#define mxUseDefaultBuildKeys 1
#endif
#define mxUseDefaultChunkAllocation 1
#define mxUseDefaultSlotAllocation 1
#define mxUseDefaultSharedChunks 1
#define mxUseDefaultParseScript 0
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

#endif /* XSML_BOARD_PLATFORM_H */

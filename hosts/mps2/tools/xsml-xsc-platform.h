/*
 * Platform header of xsml-xsc, the desktop byte-code compiler (Linux, gcc): the same XS sources as
 * the firmware, parser included. The byte code depends on the XS version, the byte order and the
 * size of txID, which this header keeps as on the board (little-endian, 2-byte IDs, no mxDebug).
 */
#ifndef XSML_XSC_PLATFORM_H
#define XSML_XSC_PLATFORM_H

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

#define txS4 int
#define txU4 unsigned int

#define mxUseDefaultMachinePlatform 1
#define mxUseDefaultBuildKeys 1
#define mxUseDefaultChunkAllocation 1
#define mxUseDefaultSlotAllocation 1
#define mxUseDefaultSharedChunks 1
#define mxUseDefaultParseScript 1
#define mxUseDefaultFindModule 0
#define mxUseDefaultLoadModule 0
#define mxUseDefaultQueuePromiseJobs 0
#define mxUseDefaultAbort 0
#define mxUseDefaultCStackLimit 0
#define mxUseDefaultDebug 1

#define mxMachinePlatform \
	void* waiterCondition; \
	void* waiterData; \
	void* waiterLink; \
	int promiseJobs;

#endif

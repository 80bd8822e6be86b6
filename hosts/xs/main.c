/*
 * xsml-xs: runs a JavaScript bundle on the XS engine on the desktop.
 *
 *   xsml-xs [--script] [--mem] BUNDLE.js [args...]
 *
 * BUNDLE.js runs as an ES module (rollup's "es" output; `export`s are allowed and ignored)
 * unless --script is given, which runs it as a classic script. The extra arguments are in the
 * global `scriptArgs`. --mem prints the engine's memory high-water marks on stderr at exit.
 *
 * Host globals: print(...values) (stdout, joined by spaces, newline), writeStdout(string) and
 * writeStderr(string) (no newline), readFile(path) -> ArrayBuffer (a copy in the XS heap),
 * writeFile(path, bytes) (bytes: an ArrayBuffer or Uint8Array), exit(code), scriptArgs, and
 * xsmlNative, the native executor (native/xs/xsml_xs.h).
 * An uncaught exception prints "xsml: error: <String(exception)>" on stderr and exits 1.
 */
#include "xs.h"
#include "xsmlHost.h"
#include "xsml_xs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void xs_print(xsMachine* the)
{
	xsIntegerValue c = xsToInteger(xsArgc), i;
	for (i = 0; i < c; i++) {
		if (i)
			fputc(' ', stdout);
		fputs(xsToString(xsArg(i)), stdout);
	}
	fputc('\n', stdout);
}

static void xs_writeStdout(xsMachine* the)
{
	if (xsToInteger(xsArgc) > 0)
		fputs(xsToString(xsArg(0)), stdout);
}

static void xs_writeStderr(xsMachine* the)
{
	if (xsToInteger(xsArgc) > 0) {
		fflush(stdout);
		fputs(xsToString(xsArg(0)), stderr);
	}
}

static void xs_readFile(xsMachine* the)
{
	char path[PATH_MAX];
	FILE* file;
	long size;
	void* data;
	xsToStringBuffer(xsArg(0), path, sizeof(path));
	file = fopen(path, "rb");
	if (!file)
		xsUnknownError("readFile: cannot open %s: %s", path, strerror(errno));
	if ((fseek(file, 0, SEEK_END) != 0) || ((size = ftell(file)) < 0) || (fseek(file, 0, SEEK_SET) != 0)) {
		fclose(file);
		xsUnknownError("readFile: cannot seek %s", path);
	}
	if (size > INT_MAX - 16) {
		fclose(file);
		xsRangeError("readFile: %s is too large", path);
	}
	/* fxArrayBuffer allocates the buffer in the XS chunk heap and returns its address, which
	   stays valid until the next allocation (the GC may move chunks): read into it at once. */
	data = fxArrayBuffer(the, &xsResult, NULL, (xsIntegerValue)size, -1);
	if (fread(data, 1, (size_t)size, file) != (size_t)size) {
		fclose(file);
		xsUnknownError("readFile: cannot read %s", path);
	}
	fclose(file);
}

/* From xsmc.h, which cannot be included here: it undefines the xs.h macros this file uses. */
mxImport xsIntegerValue _xsmcGetBuffer(xsMachine* the, xsSlot* slot, void** data, xsUnsignedValue* count, xsBooleanValue writable);

static void xs_writeFile(xsMachine* the)
{
	char path[PATH_MAX];
	FILE* file;
	void* data;
	xsUnsignedValue size;
	int failed;
	if (xsToInteger(xsArgc) < 2)
		xsTypeError("writeFile(path, bytes): 2 arguments expected");
	xsToStringBuffer(xsArg(0), path, sizeof(path));
	file = fopen(path, "wb");
	if (!file)
		xsUnknownError("writeFile: cannot open %s: %s", path, strerror(errno));
	/* The buffer is fetched last: nothing allocates in the XS heap until it is written. */
	_xsmcGetBuffer(the, &xsArg(1), &data, &size, 0);
	failed = fwrite(data, 1, (size_t)size, file) != (size_t)size;
	failed |= fclose(file) != 0;
	if (failed)
		xsUnknownError("writeFile: cannot write %s", path);
}

static void xs_exit(xsMachine* the)
{
	int code = (xsToInteger(xsArgc) > 0) ? xsToInteger(xsArg(0)) : 0;
	fflush(stdout);
	exit(code);
}

static int usage(void)
{
	fprintf(stderr, "usage: xsml-xs [--script] [--mem] BUNDLE.js [args...]\n");
	return 2;
}

int main(int argc, char* argv[])
{
	/* Sized for a ~200 KB bundle; chunks (strings, byte code, buffers), slots and keys grow on
	   demand, the JS stack (stackCount slots) cannot: `--mem` shows the high-water marks. */
	xsCreation creation = {
		1024 * 1024,   /* initialChunkSize: bytes */
		1024 * 1024,   /* incrementalChunkSize */
		64 * 1024,     /* initialHeapCount: slots */
		32 * 1024,     /* incrementalHeapCount */
		8 * 1024,      /* stackCount: slots */
		4 * 1024,      /* initialKeyCount */
		2 * 1024,      /* incrementalKeyCount */
		1993,          /* nameModulo */
		127,           /* symbolModulo */
		64 * 1024,     /* parserBufferSize: bytes, the longest string or identifier literal */
		1993,          /* parserTableModulo */
		0,             /* staticSize: 0 = allocate with malloc */
	};
	/* volatile: xsTry is setjmp-based, and status is written in xsCatch */
	volatile int script = 0, memory = 0, arg = 1, status = 0;
	xsMachine* the;

	for (; (arg < argc) && (argv[arg][0] == '-') && argv[arg][1]; arg++) {
		if (!strcmp(argv[arg], "--script"))
			script = 1;
		else if (!strcmp(argv[arg], "--mem"))
			memory = 1;
		else if (!strcmp(argv[arg], "--"))
			{ arg++; break; }
		else
			return usage();
	}
	if (arg >= argc)
		return usage();

	the = xsCreateMachine(&creation, "xsml", NULL);
	if (!the) {
		fprintf(stderr, "xsml: error: cannot create the XS machine\n");
		return 1;
	}
	xsBeginHost(the);
	{
		xsVars(2);
		xsTry {
			int i;
			xsVar(0) = xsNewHostFunction(xs_print, 1);
			xsSet(xsGlobal, xsID("print"), xsVar(0));
			xsVar(0) = xsNewHostFunction(xs_writeStdout, 1);
			xsSet(xsGlobal, xsID("writeStdout"), xsVar(0));
			xsVar(0) = xsNewHostFunction(xs_writeStderr, 1);
			xsSet(xsGlobal, xsID("writeStderr"), xsVar(0));
			xsVar(0) = xsNewHostFunction(xs_readFile, 1);
			xsSet(xsGlobal, xsID("readFile"), xsVar(0));
			xsVar(0) = xsNewHostFunction(xs_writeFile, 2);
			xsSet(xsGlobal, xsID("writeFile"), xsVar(0));
			xsVar(0) = xsNewHostFunction(xs_exit, 1);
			xsSet(xsGlobal, xsID("exit"), xsVar(0));
			xsVar(0) = xsNewArray(0);
			for (i = arg + 1; i < argc; i++) {
				xsVar(1) = xsString(argv[i]);
				xsCall1(xsVar(0), xsID("push"), xsVar(1));
			}
			xsSet(xsGlobal, xsID("scriptArgs"), xsVar(0));
			xsml_xs_install(the);

			if (script)
				xsmlRunProgram(the, argv[arg]);
			else
				xsmlRunModule(the, argv[arg]);
			xsmlRunJobs(the);
		}
		xsCatch {
			xsmlReportException(the, &xsException);
			status = 1;
		}
	}
	xsEndHost(the);
	fflush(stdout);
	if (memory)
		xsmlReportMemory(the);
	xsDeleteMachine(the);
	return status;
}

/*
 * xsml's platform layer for XS on the desktop: the few functions XS asks its platform for
 * (fxAbort, fxQueuePromiseJobs, fxCStackLimit, fxFindModule, fxLoadModule) and the loaders the
 * host program uses. Everything else comes from the mxUseDefault* code in xsPlatforms.c.
 * Uses XS internals (xsAll.h), so it is tied to the XS version fetch-xs.sh pins.
 */
#include "xsAll.h"
#include "xsScript.h"
#include "xs.h"
#include "xsmlHost.h"

#include <sys/resource.h>

static void xsmlFail(txMachine* the, const char* why)
{
	fflush(stdout);
	fprintf(stderr, "xsml: error: %s\n", why);
	exit(1);
}

/* Called by XS for conditions it cannot turn into a JS exception. All of them end the
   process with status 1: the JS stack cannot grow, and after memory/key exhaustion or an
   exception escaping a promise job there is nothing sensible to resume. */
void fxAbort(txMachine* the, int status)
{
	switch (status) {
	case XS_STACK_OVERFLOW_EXIT: xsmlFail(the, "stack overflow"); break;
	case XS_NOT_ENOUGH_MEMORY_EXIT: xsmlFail(the, "not enough memory"); break;
	case XS_NO_MORE_KEYS_EXIT: xsmlFail(the, "not enough keys"); break;
	case XS_TOO_MUCH_COMPUTATION_EXIT: xsmlFail(the, "too much computation"); break;
	case XS_UNHANDLED_EXCEPTION_EXIT:
	case XS_UNHANDLED_REJECTION_EXIT:
		xsmlReportException(the, &mxException);
		exit(1);
		break;
	default: xsmlFail(the, "fatal error in the XS engine"); break;
	}
}

/* XS calls this when a promise job is queued; the jobs run in xsmlRunJobs (no event loop). */
void fxQueuePromiseJobs(txMachine* the)
{
	the->promiseJobs = 1;
}

void xsmlRunJobs(txMachine* the)
{
	while (the->promiseJobs) {
		the->promiseJobs = 0;
		fxRunPromiseJobs(the);
	}
	fxEndJob(the);
	fxCheckUnhandledRejections(the, 1);
}

/* Lowest address the C stack may reach: XS checks it on calls, in the parser and in RegExp,
   and aborts with XS_STACK_OVERFLOW_EXIT below it (with mxBoundsCheck=1). The first call comes
   from fxCreateMachine in main, so a local there approximates the top of the main thread's
   stack; its size is the RLIMIT_STACK soft limit. The margin covers C frames between checks
   (larger under AddressSanitizer). On a board this is a linker symbol instead. */
#ifndef XSML_CSTACK_MARGIN
	#define XSML_CSTACK_MARGIN (128 * 1024)
#endif
char* fxCStackLimit()
{
	static char* limit = C_NULL;
	if (!limit) {
		char here;
		size_t size = 8 * 1024 * 1024;
		struct rlimit rl;
		if ((getrlimit(RLIMIT_STACK, &rl) == 0) && (rl.rlim_cur != RLIM_INFINITY))
			size = (size_t)rl.rlim_cur;
		if (size > 256 * 1024 * 1024)
			size = 256 * 1024 * 1024;
		limit = &here - size + XSML_CSTACK_MARGIN;
	}
	return limit;
}

static txInteger xsmlFileGetter(void* stream)
{
	return getc((FILE*)stream);
}

/* Parser errors, with file and line, go to stderr; the script XS builds then throws a
   SyntaxError (without the line), which the host reports as an uncaught exception. */
static void xsmlReportParserError(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
	fflush(stdout);
	fprintf(stderr, "%s:%d: error: ", path ? path : "?", (int)line);
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

static void xsmlReportParserWarning(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
}

/* Parses a source file: flags 0 for a module, mxProgramFlag for a script. Returns C_NULL if
   the file cannot be read (errno tells why). Bundles carry no source map use. */
static txScript* xsmlLoadScript(txMachine* the, txString path, txUnsigned flags)
{
	txParser _parser;
	txParser* parser = &_parser;
	txParserJump jump;
	txScript* volatile script = C_NULL; /* set between setjmp and a possible longjmp */
	FILE* file = fopen(path, "rb");
	if (!file)
		return C_NULL;
	fxInitializeParser(parser, the, the->parserBufferSize, the->parserTableModulo);
	parser->reportError = xsmlReportParserError;
	parser->reportWarning = xsmlReportParserWarning;
	parser->firstJump = &jump;
	if (c_setjmp(jump.jmp_buf) == 0) {
		parser->path = fxNewParserSymbol(parser, path);
		fxParserTree(parser, file, xsmlFileGetter, flags, C_NULL);
		fxParserHoist(parser);
		fxParserBind(parser);
		script = fxParserCode(parser);
	}
	fclose(file);
#ifdef mxInstrument
	if (the->peakParserSize < parser->total)
		the->peakParserSize = parser->total;
#endif
	fxTerminateParser(parser);
	if (!script)
		mxUnknownError("cannot compile %s", path);
	return script;
}

/* Module specifiers are file paths: absolute, or relative ("./", "../") to the importing
   module, or for the entry module relative to the current directory. Bare names are not
   supported (a bundle has no need for them). Module IDs are real paths. */
txID fxFindModule(txMachine* the, txSlot* realm, txID moduleID, txSlot* slot)
{
	char name[C_PATH_MAX];
	char path[C_PATH_MAX];
	char real[C_PATH_MAX];
	int relative;
	fxToStringBuffer(the, slot, name, sizeof(name));
	relative = !c_strncmp(name, "./", 2) || !c_strncmp(name, "../", 3);
	if ((name[0] == '/') || (moduleID == XS_NO_ID))
		c_strcpy(path, name);
	else if (relative) {
		char* slash;
		c_strcpy(path, fxGetKeyName(the, moduleID));
		slash = c_strrchr(path, '/');
		if (!slash)
			return XS_NO_ID;
		slash[1] = 0;
		if (c_strlen(path) + c_strlen(name) >= sizeof(path))
			mxRangeError("path too long: %s", name);
		c_strcat(path, name);
	}
	else
		return XS_NO_ID;
	if (!realpath(path, real))
		return XS_NO_ID;
	return fxNewNameC(the, real);
}

void fxLoadModule(txMachine* the, txSlot* module, txID moduleID)
{
	txString path = fxGetKeyName(the, moduleID);
	txScript* script = xsmlLoadScript(the, path, 0);
	if (!script)
		mxUnknownError("cannot read %s: %s", path, strerror(errno));
	fxResolveModule(the, module, moduleID, script, C_NULL, C_NULL);
}

/* An entry module that fails to load, link or evaluate is fatal, as in Node. */
static void xsmlModuleRejected(txMachine* the)
{
	xsmlReportException(the, mxArgv(0));
	exit(1);
}

/* Imports the entry module asynchronously (what import() does) so that top-level await
   works: loading, linking and evaluation happen in promise jobs, run by xsmlRunJobs. */
void xsmlRunModule(txMachine* the, const char* path)
{
	txSlot* realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	mxPushStringC((txString)path);
	fxRunImport(the, realm, XS_NO_ID); /* replaces the specifier with a promise */
	mxDub();
	fxGetID(the, mxID(_then));
	mxCall();
	mxPushUndefined();
	fxNewHostFunction(the, xsmlModuleRejected, 1, XS_NO_ID, XS_NO_ID);
	mxRunCount(2);
	mxPop();
}

void xsmlRunProgram(txMachine* the, const char* path)
{
	txSlot* realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	txScript* script = xsmlLoadScript(the, (txString)path, mxProgramFlag);
	if (!script)
		mxUnknownError("cannot read %s: %s", path, strerror(errno));
	char real[C_PATH_MAX];
	/* so that import("./x.js") in the script resolves relative to it */
	if (realpath(path, real))
		mxModuleInstanceInternal(mxProgram.value.reference)->value.module.id = fxID(the, real);
	fxRunScript(the, script, mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
	mxPop();
}

void xsmlReportException(txMachine* the, txSlot* exception)
{
	/* String(e) may itself throw (a hostile toString); fall back to a fixed text. */
	txString volatile text = "uncaught exception (not printable)";
	mxPushSlot(exception);
	mxTry(the) {
		text = fxToString(the, the->stack);
	}
	mxCatch(the) {
	}
	fflush(stdout);
	fprintf(stderr, "xsml: error: %s\n", text);
	mxPop();
}

void xsmlReportMemory(txMachine* the)
{
	fprintf(stderr, "xsml: memory: chunks %ld bytes allocated (peak in use %ld), slots %ld allocated (peak in use %ld, %d bytes each), keys %d used\n",
		(long)the->maximumChunksSize, (long)the->peakChunksSize,
		(long)the->maximumHeapCount, (long)the->peakHeapCount, (int)sizeof(txSlot), (int)the->keyIndex);
#ifdef mxInstrument
	fprintf(stderr, "xsml: memory: stack peak %ld of %ld slots, parser peak %ld bytes\n",
		(long)(the->stackTop - the->stackPeak), (long)(the->stackTop - the->stackBottom), (long)the->peakParserSize);
#endif
}

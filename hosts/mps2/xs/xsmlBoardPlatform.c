/*
 * xsml's platform layer for XS on a bare-metal Cortex-M: the functions XS asks its platform for
 * (fxAbort, fxQueuePromiseJobs, fxCStackLimit, fxFindModule, fxLoadModule, fxParseScript), and
 * the loader that runs byte code compiled on the desktop. Uses XS internals (xsAll.h), so it is
 * tied to the XS version hosts/xs/fetch-xs.sh pins (xsml-xsc records it; xsmlRunBytecode checks).
 */
#include "xsAll.h"
#include "xs.h"
#include "xsmlBoard.h"

/* Conditions XS cannot turn into a JS exception end the firmware: the JS stack cannot grow, and
   after memory or key exhaustion there is nothing sensible to resume. */
void fxAbort(txMachine* the, int status)
{
	const char* why;
	switch (status) {
	case XS_STACK_OVERFLOW_EXIT: why = "stack overflow (JS stack or C stack)"; break;
	case XS_NOT_ENOUGH_MEMORY_EXIT: why = "not enough memory (XS heap)"; break;
	case XS_NO_MORE_KEYS_EXIT: why = "not enough keys"; break;
	case XS_TOO_MUCH_COMPUTATION_EXIT: why = "too much computation"; break;
	case XS_UNHANDLED_EXCEPTION_EXIT: why = "unhandled exception"; break;
	case XS_UNHANDLED_REJECTION_EXIT: why = "unhandled rejection"; break;
	case XS_DEAD_STRIP_EXIT: why = "dead strip"; break;
	case XS_FATAL_CHECK_EXIT: why = "fatal check failed"; break;
	default: why = "fatal error"; break;
	}
	fflush(stdout);
	fprintf(stderr, "xsml: fatal: %s (XS exit %d)\n", why, status);
	if ((status == XS_UNHANDLED_EXCEPTION_EXIT) || (status == XS_UNHANDLED_REJECTION_EXIT)) {
		xsmlReportException(the, &mxException);
		exit(XSML_EXIT_EXCEPTION);
	}
	xsmlReportMemory(the);
	exit(XSML_EXIT_FATAL);
}

/* XS calls this when a promise job is queued; xsmlRunJobs runs them (there is no event loop). */
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

/* Lowest address the C stack may reach before XS aborts with a stack overflow (checked with
   mxBoundsCheck on calls, in the GC's marking and in RegExp). The stack is the linker script's
   region [__stack_limit, __stack_top); the margin covers the C frames between two checks. */
#ifndef XSML_CSTACK_MARGIN
	#define XSML_CSTACK_MARGIN (8 * 1024)
#endif
extern char __stack_limit[];
char* fxCStackLimit()
{
	return __stack_limit + XSML_CSTACK_MARGIN;
}

/* No modules on the board: the firmware runs scripts (the runtime bundle is an IIFE script). */
txID fxFindModule(txMachine* the, txSlot* realm, txID moduleID, txSlot* slot)
{
	return XS_NO_ID;
}

void fxLoadModule(txMachine* the, txSlot* module, txID moduleID)
{
	mxUnknownError("modules cannot be loaded on the board");
}

/* The parser is not linked: eval, new Function and friends throw. */
txScript* fxParseScript(txMachine* the, void* stream, txGetter getter, txUnsigned flags)
{
	mxSyntaxError("no JavaScript parser on the board (compile on the desktop with xsml-xsc)");
	return C_NULL;
}

#ifdef XSML_FLASH_BYTECODE
/* How many of the byte code's names got the ID xsml-xsc wrote into the code (all, or the code
   cannot run from flash: xsmlRunBytecode refuses it). */
static unsigned flash_keys_matched;

/* XS's own keys (as xsPlatforms.c builds them), then the byte code's names, in xsml-xsc's order,
   so that they get the IDs already in the code. The names stay in flash (fxNewNameX). */
void fxBuildKeys(txMachine* the)
{
	unsigned i;
	for (i = 0; i < XS_SYMBOL_ID_COUNT; i++) {
		txID id = the->keyIndex;
		txSlot* description = fxNewSlot(the);
		fxCopyStringC(the, description, gxIDStrings[i]);
		the->keyArray[id] = description;
		the->keyIndex++;
	}
	for (; i < XS_ID_COUNT; i++)
		fxID(the, gxIDStrings[i]);
	flash_keys_matched = 0;
	if (xsml_bytecode_first_key != XS_ID_COUNT)
		return;
	for (i = 0; i < xsml_bytecode_key_count; i++) {
		if (fxNewNameX(the, (txString)xsml_bytecode_keys[i]) != (txID)(xsml_bytecode_first_key + i))
			return;
		flash_keys_matched++;
	}
}
#endif

extern void fxRemapIDs(txMachine* the, txByte* codeBuffer, txSize codeSize, txID* theIDs);

/* Runs one compiled script in the global scope. Its code is copied from flash into the heap (XS
   rewrites the symbol IDs in it). With XSML_BYTECODE_RESIDENT the symbols are mapped here, read
   from flash, and the copy of the code stays: its functions run in place (xsml-xsc.c). Otherwise
   the symbols are copied too, and fxRunScript maps them, then frees both copies. */
void xsmlRunBytecode(txMachine* the, const xsml_bytecode* bytecode)
{
	txSlot* realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	txScript* script;
	if ((bytecode->version[0] != XS_MAJOR_VERSION) || (bytecode->version[1] != XS_MINOR_VERSION)
			|| (bytecode->version[2] != XS_PATCH_VERSION) || (bytecode->version[3] != sizeof(txID)))
		mxUnknownError("%s: byte code for XS %d.%d.%d (ID %d bytes), the firmware has XS %d.%d.%d (ID %d bytes)",
			bytecode->name, bytecode->version[0], bytecode->version[1], bytecode->version[2], bytecode->version[3],
			XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION, (int)sizeof(txID));
	if (bytecode->flags & XSML_BYTECODE_MODULE)
		mxUnknownError("%s: compiled as a module; the firmware runs scripts", bytecode->name);
	script = c_calloc(1, sizeof(txScript));
	if (!script)
		fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	if (bytecode->flags & XSML_BYTECODE_IN_FLASH) {
#ifdef XSML_FLASH_BYTECODE
		if ((xsml_bytecode_first_key != XS_ID_COUNT) || (flash_keys_matched != xsml_bytecode_key_count))
			mxUnknownError("%s: byte code for names from ID %u, %u names; the firmware has XS_ID_COUNT %d and registered %u of them as expected",
				bytecode->name, xsml_bytecode_first_key, xsml_bytecode_key_count, (int)XS_ID_COUNT, flash_keys_matched);
		/* The IDs are final (xsml-xsc): the code runs where it is, and fxRunScript keeps it. */
		script->codeBuffer = (txByte*)bytecode->code;
		script->codeSize = (txSize)bytecode->code_bytes;
		c_memcpy(script->version, bytecode->version, 4);
		script->path = (txString)bytecode->name;
		fxRunScript(the, script, mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
		mxPop();
		return;
#else
		mxUnknownError("%s: compiled with --in-flash; build the firmware with BYTECODE=flash (-DXSML_FLASH_BYTECODE)", bytecode->name);
#endif
	}
	script->codeBuffer = c_malloc(bytecode->code_bytes);
	if (!script->codeBuffer)
		fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	c_memcpy(script->codeBuffer, bytecode->code, bytecode->code_bytes);
	script->codeSize = (txSize)bytecode->code_bytes;
	c_memcpy(script->version, bytecode->version, 4);
	script->path = (txString)bytecode->name;
	if (bytecode->flags & XSML_BYTECODE_RESIDENT) {
		const txByte* p = (const txByte*)bytecode->symbols;
		txID c, i;
		txID* ids;
		mxDecodeID(p, c);
		ids = c_malloc(c * sizeof(txID));
		if (!ids)
			fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
		ids[0] = XS_NO_ID;
		for (i = 1; i < c; i++) {
			ids[i] = fxNewNameC(the, (txString)p);
			p += mxStringLength((const char*)p) + 1;
		}
		fxRemapIDs(the, script->codeBuffer, script->codeSize, ids);
		c_free(ids);
		/* symbolsBuffer stays NULL: fxRunScript then keeps the code (and the script record). */
	}
	else {
		script->symbolsBuffer = c_malloc(bytecode->symbols_bytes);
		if (!script->symbolsBuffer)
			fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
		c_memcpy(script->symbolsBuffer, bytecode->symbols, bytecode->symbols_bytes);
		script->symbolsSize = (txSize)bytecode->symbols_bytes;
	}
	fxRunScript(the, script, mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
	mxPop();
}

void xsmlReportException(txMachine* the, txSlot* exception)
{
	/* String(e) may itself throw; fall back to a fixed text. */
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
	fprintf(stderr, "xsml: XS heap: chunks %ld bytes allocated (peak in use %ld), slots %ld allocated (peak in use %ld, %d bytes each), keys %d used\n",
		(long)the->maximumChunksSize, (long)the->peakChunksSize,
		(long)the->maximumHeapCount, (long)the->peakHeapCount, (int)sizeof(txSlot), (int)the->keyIndex);
#ifdef mxInstrument
	fprintf(stderr, "xsml: XS stack: peak %ld of %ld slots; garbage collections %d\n",
		(long)(the->stackTop - the->stackPeak), (long)(the->stackTop - the->stackBottom), (int)the->garbageCollectionCount);
#endif
}

/*
 * The XS glue of the native executor (see xsml_xs.h for the JS-side API). It follows Moddable's
 * memory rules: a pointer into an XS buffer is fetched last, right before the C code that uses
 * it, and never held across a call that may allocate in the XS heap (the GC compacts chunks and
 * moves buffers). The plan's records are copied into memory C owns; the arena and the model are
 * fetched again on every run.
 *
 * heapStats reads the machine's own counters, so this file also includes xsAll.h (XS internals):
 * it is tied to the XS version hosts/xs/fetch-xs.sh pins.
 */
#include "xsAll.h"
#include "xs.h"
#include "xsmc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xsml_executor.h"
#include "xsml_xs.h"

/*
 * A checked plan, owned by C: what a run needs (the pools and rounding, the record count) and, in
 * one block, the words the interpreter keeps with it (prepare's `words`), then the records. On the
 * desktop the block is malloc'd, freed by the handle's destructor; the firmware takes it from a
 * static pool sized at build time instead (no malloc on the board).
 */
typedef struct {
	/* The sizes checked (every run needs pools at least this large) and the rounding; the pools
	   when neither can move (host buffers), else NULL: then every run fetches them. */
	xsml_memory mem;
	uint16_t ops; /* records */
	uint16_t words; /* kept words, before the records */
	int32_t data[]; /* the kept words, then the records */
} xsml_xs_plan;

#define xsml_xs_plan_program(plan) ((plan)->data + (plan)->words)

#ifdef XSML_XS_PLAN_POOL_BYTES
/*
 * The board's plans live in a static pool of XSML_XS_PLAN_POOL_BYTES (a build setting), not in
 * malloc's heap (which is the XS heap's budget): blocks are handed out from the bottom up, each
 * behind a header word with its size; a freed block is marked, and every free block at the top is
 * given back. Plans are made once per model and freed when their handle is collected, so this is
 * enough: no fragmentation while models are loaded in order.
 */
#define XSML_XS_POOL_ALIGN (sizeof(void *) > 4 ? sizeof(void *) : 4) /* the header's size too */
#define XSML_XS_POOL_FREE 0x80000000u
static uint64_t xsml_xs_pool_memory[(XSML_XS_PLAN_POOL_BYTES + 7) / 8];
static uint32_t xsml_xs_pool_top; /* bytes in use, from the bottom */
static uint32_t xsml_xs_pool_peak;
#define XSML_XS_POOL_HINT " (the firmware's plan pool, PLAN_POOL_BYTES, is full)"

static uint32_t *xsml_xs_pool_head(uint32_t offset)
{
	return (uint32_t *)((uint8_t *)xsml_xs_pool_memory + offset);
}

static void *xsml_xs_plan_alloc(size_t bytes)
{
	uint32_t need;
	if (bytes > sizeof(xsml_xs_pool_memory))
		return NULL;
	need = (uint32_t)((XSML_XS_POOL_ALIGN + bytes + XSML_XS_POOL_ALIGN - 1) & ~(size_t)(XSML_XS_POOL_ALIGN - 1));
	if (need > sizeof(xsml_xs_pool_memory) - xsml_xs_pool_top)
		return NULL;
	*xsml_xs_pool_head(xsml_xs_pool_top) = need;
	xsml_xs_pool_top += need;
	if (xsml_xs_pool_top > xsml_xs_pool_peak)
		xsml_xs_pool_peak = xsml_xs_pool_top;
	return (uint8_t *)xsml_xs_pool_head(xsml_xs_pool_top - need) + XSML_XS_POOL_ALIGN;
}

/* Marks the block free, then gives back every free block at the top (a walk over the few blocks). */
static void xsml_xs_plan_release(void *data)
{
	uint32_t at = 0, end = 0;
	if (!data)
		return;
	*(uint32_t *)((uint8_t *)data - XSML_XS_POOL_ALIGN) |= XSML_XS_POOL_FREE;
	while (at < xsml_xs_pool_top) {
		uint32_t head = *xsml_xs_pool_head(at);
		at += head & ~XSML_XS_POOL_FREE;
		if (!(head & XSML_XS_POOL_FREE))
			end = at;
	}
	xsml_xs_pool_top = end;
}
#else
#define XSML_XS_POOL_HINT ""
#define xsml_xs_plan_alloc malloc
#define xsml_xs_plan_release free
#endif

static void xsml_xs_plan_free(void *data)
{
	xsml_xs_plan_release(data);
}

#ifdef XSML_XS_CLOCK_NS
/* The board's clock, in nanoseconds (on the MPS2 firmware under QEMU -icount shift=0: instructions). */
uint64_t XSML_XS_CLOCK_NS(void);
#define xsml_xs_clock_ns XSML_XS_CLOCK_NS
#else
/* The desktop's monotonic clock. */
static uint64_t xsml_xs_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* Time spent inside xsml_plan_run, by any plan, once runNanoseconds has been asked for. */
static uint64_t xsml_xs_run_ns;
static int xsml_xs_timed;

/* Runs ops [from, to), timed once runNanoseconds has been asked for. */
static void xsml_xs_plan_run(xsml_xs_plan *plan, uint32_t from, uint32_t to, const xsml_memory *mem)
{
	uint64_t start;
	if (!xsml_xs_timed) {
		xsml_plan_run(xsml_xs_plan_program(plan), from, to, mem);
		return;
	}
	start = xsml_xs_clock_ns();
	xsml_plan_run(xsml_xs_plan_program(plan), from, to, mem);
	xsml_xs_run_ns += xsml_xs_clock_ns() - start;
}

/* Throws an Error with the whole message (xsUnknownError truncates to 128 bytes). */
static void xsml_xs_throw(xsMachine *the, char *message)
{
	xsmcVars(2);
	xsVar(0) = xsString(message);
	xsVar(1) = xsNew1(xsGlobal, xsID("Error"), xsVar(0));
	xsThrow(xsVar(1));
}

/*
 * The bytes behind `value`: an ArrayBuffer, a host buffer, a DataView or any typed array. The xsmc
 * API takes only 1-byte typed arrays in this XS version, so wider ones (Int32Array, Float64Array)
 * go through their buffer. `tmp` is a slot on the XS stack. The pointer is valid until the next
 * call that may allocate in the XS heap.
 */
static uint8_t *xsml_xs_bytes(xsMachine *the, xsSlot *value, xsSlot *tmp, uint32_t *bytes, int writable, const char *what)
{
	void *data = NULL;
	xsUnsignedValue count = 0;
	xsIntegerValue element = 1;
	if (xsmcTypeOf(*value) != xsReferenceType)
		xsTypeError("%s: not a buffer or typed array", what);
	_xsGet(the, tmp, value, xsID("BYTES_PER_ELEMENT"));
	if ((xsmcTypeOf(*tmp) == xsIntegerType) || (xsmcTypeOf(*tmp) == xsNumberType))
		element = xsmcToInteger(*tmp);
	if (element > 1) {
		xsIntegerValue offset, length;
		_xsGet(the, tmp, value, xsID("byteOffset"));
		offset = xsmcToInteger(*tmp);
		_xsGet(the, tmp, value, xsID("byteLength"));
		length = xsmcToInteger(*tmp);
		_xsGet(the, tmp, value, xsID("buffer"));
		_xsmcGetBuffer(the, tmp, &data, &count, writable);
		if ((offset < 0) || (length < 0) || ((xsUnsignedValue)offset > count) || ((xsUnsignedValue)length > count - (xsUnsignedValue)offset))
			xsRangeError("%s: view out of its buffer's bounds", what);
		*bytes = (uint32_t)length;
		return (uint8_t *)data + offset;
	}
	_xsmcGetBuffer(the, value, &data, &count, writable);
	*bytes = (uint32_t)count;
	return (uint8_t *)data;
}

/*
 * Whether a pool's bytes can never move: a Uint8Array over a host buffer (static memory, or
 * xsmlNative.hostBuffer's). An ArrayBuffer's bytes live in the XS heap's chunks, which the GC
 * compacts.
 */
static int xsml_xs_pinned(xsMachine *the, xsSlot *value)
{
	void *data = NULL;
	xsUnsignedValue count = 0;
	return _xsmcGetBuffer(the, value, &data, &count, 0) == xsBufferNonrelocatable;
}

/* The plan behind a handle that prepare returned. */
static xsml_xs_plan *xsml_xs_plan_of(xsMachine *the, xsSlot *handle)
{
	xsml_xs_plan *plan = fxGetHostDataIf(the, handle);
	if (!plan || (fxGetHostDestructor(the, handle) != xsml_xs_plan_free))
		xsTypeError("not a plan handle (made by xsmlNative.prepare)");
	return plan;
}

/* prepare(program: Int32Array, refBytes: Int32Array, arena, model, rounding, words: Int32Array) -> plan handle */
static void xs_xsml_prepare(xsMachine *the)
{
	char error[512];
	uint32_t program_bytes, ref_bytes, arena_bytes, model_bytes, word_bytes, ops;
	uint8_t *data, *arena, *model;
	xsml_xs_plan *plan;
	int rounding, pinned;

	if (xsmcArgc < 6)
		xsTypeError("prepare(program, refBytes, arena, model, rounding, words): 6 arguments expected");
	rounding = xsmcToInteger(xsArg(4));
	if ((rounding != XSML_ROUNDING_SINGLE) && (rounding != XSML_ROUNDING_DOUBLE))
		xsRangeError("prepare: rounding must be %d (single) or %d (double), got %d", XSML_ROUNDING_SINGLE, XSML_ROUNDING_DOUBLE, rounding);
	xsmcVars(1);
	/* The pools' sizes; their addresses too when neither can move, else every run fetches them. */
	arena = xsml_xs_bytes(the, &xsArg(2), &xsVar(0), &arena_bytes, 1, "prepare: arena");
	model = xsml_xs_bytes(the, &xsArg(3), &xsVar(0), &model_bytes, 0, "prepare: model");
	pinned = xsml_xs_pinned(the, &xsArg(2)) && xsml_xs_pinned(the, &xsArg(3));
	xsml_xs_bytes(the, &xsArg(0), &xsVar(0), &program_bytes, 0, "prepare: program");
	xsml_xs_bytes(the, &xsArg(5), &xsVar(0), &word_bytes, 0, "prepare: words");
	if ((program_bytes % 4) != 0)
		xsRangeError("prepare: program has %u bytes, not a whole number of int32s", (unsigned)program_bytes);
	if ((word_bytes % 4) != 0)
		xsRangeError("prepare: words has %u bytes, not a whole number of int32s", (unsigned)word_bytes);
	if (word_bytes / 4 > 0xffff)
		xsRangeError("prepare: %u words, more than the 65535 a plan keeps", (unsigned)(word_bytes / 4));

	/* The handle first: creating it may collect garbage, so it comes before any buffer pointer. */
	xsResult = xsNewHostObject(xsml_xs_plan_free);

	plan = xsml_xs_plan_alloc(sizeof(xsml_xs_plan) + word_bytes + program_bytes);
	if (!plan)
		xsUnknownError("prepare: out of memory for a plan of %u bytes%s", (unsigned)(word_bytes + program_bytes), XSML_XS_POOL_HINT);
	plan->ops = 0;
	plan->words = (uint16_t)(word_bytes / 4);
	plan->mem.pool_bytes[XSML_POOL_ARENA] = arena_bytes;
	plan->mem.pool_bytes[XSML_POOL_MODEL] = model_bytes;
	plan->mem.rounding = rounding;
	plan->mem.pools[XSML_POOL_ARENA] = pinned ? arena : NULL;
	plan->mem.pools[XSML_POOL_MODEL] = pinned ? model : NULL;
	xsmcSetHostData(xsResult, plan); /* from here on the destructor frees it, even if we throw */
	data = xsml_xs_bytes(the, &xsArg(5), &xsVar(0), &word_bytes, 0, "prepare: words");
	memcpy(plan->data, data, word_bytes);
	data = xsml_xs_bytes(the, &xsArg(0), &xsVar(0), &program_bytes, 0, "prepare: program");
	memcpy(xsml_xs_plan_program(plan), data, program_bytes);

	/* Checked in place: nothing between fetching refBytes and the end of the check touches the XS heap. */
	data = xsml_xs_bytes(the, &xsArg(1), &xsVar(0), &ref_bytes, 0, "prepare: refBytes");
	if ((ref_bytes % 4) != 0)
		xsRangeError("prepare: refBytes has %u bytes, not a whole number of int32s", (unsigned)ref_bytes);
	if (((uintptr_t)data % 4) != 0)
		xsRangeError("prepare: refBytes is not 4-byte aligned");
	if (xsml_plan_check(xsml_xs_plan_program(plan), program_bytes / 4, (const int32_t *)data, ref_bytes / 4, plan->mem.pool_bytes, error, sizeof(error)) != 0)
		xsml_xs_throw(the, error);
	ops = xsml_plan_ops(xsml_xs_plan_program(plan), program_bytes / 4);
	if (ops > 0xffff)
		xsRangeError("prepare: %u ops, more than the 65535 a plan runs", (unsigned)ops);
	plan->ops = (uint16_t)ops;
}

/* The bytes of a pool for run: a Uint8Array, ArrayBuffer or host buffer, at least `need` bytes.
   The model may be read-only (a petrified host buffer over flash, on a board): kernels never write it. */
static uint8_t *xsml_xs_pool(xsMachine *the, xsSlot *value, uint32_t need, int writable, const char *what)
{
	void *data = NULL;
	xsUnsignedValue count = 0;
	_xsmcGetBuffer(the, value, &data, &count, writable);
	if (count < need)
		xsRangeError("run: %s has %u bytes, the plan was checked for %u", what, (unsigned)count, (unsigned)need);
	if (((uintptr_t)data % 4) != 0)
		xsRangeError("run: %s is not 4-byte aligned", what);
	return (uint8_t *)data;
}

/*
 * run(plan, from, to[, arena: Uint8Array, model: Uint8Array]): ops [from, to), one xsml_plan_run,
 * on the pools prepare pinned, or else on the ones given.
 */
static void xs_xsml_run(xsMachine *the)
{
	xsml_memory mem;
	xsml_xs_plan *plan;
	xsIntegerValue from, to;

	if (xsmcArgc < 3)
		xsTypeError("run(plan, from, to[, arena, model]): 3 or 5 arguments expected");
	plan = xsml_xs_plan_of(the, &xsArg(0));
	from = xsmcToInteger(xsArg(1));
	to = xsmcToInteger(xsArg(2));
	if ((from < 0) || (to < from) || ((uint32_t)to > plan->ops))
		xsRangeError("run: ops [%d, %d) are not within the plan's %u ops", (int)from, (int)to, (unsigned)plan->ops);
	if (plan->mem.pools[XSML_POOL_ARENA]) {
		xsml_xs_plan_run(plan, (uint32_t)from, (uint32_t)to, &plan->mem);
	} else if (xsmcArgc >= 5) {
		/* Buffers last: nothing between here and xsml_plan_run can move them. */
		mem = plan->mem;
		mem.pools[XSML_POOL_ARENA] = xsml_xs_pool(the, &xsArg(3), plan->mem.pool_bytes[XSML_POOL_ARENA], 1, "arena");
		mem.pools[XSML_POOL_MODEL] = xsml_xs_pool(the, &xsArg(4), plan->mem.pool_bytes[XSML_POOL_MODEL], 0, "model");
		xsml_xs_plan_run(plan, (uint32_t)from, (uint32_t)to, &mem);
	} else {
		xsTypeError("run: the plan's arena or model may move (not host buffers): pass them");
	}
}

/*
 * The function runner(plan) returns: runs every op of the plan on the pools prepare pinned, with no
 * argument to read. The plan's handle is the function's closure slot, which the GC marks (it keeps
 * the handle, and so the plan, alive as long as the function).
 */
static void xs_xsml_run_all(xsMachine *the)
{
	txSlot *handle = mxFunctionInstanceCode(mxFunction->value.reference)->value.callback.closures;
	xsml_xs_plan *plan = handle->next->value.host.data;
	xsml_xs_plan_run(plan, 0, plan->ops, &plan->mem);
}

/*
 * runner(plan) -> a function of no arguments that runs every op (the plan's pools must be pinned).
 * It is the callback, its home and its closure: its `length` and `name` (two slots) are left off.
 */
static void xs_xsml_runner(xsMachine *the)
{
	xsml_xs_plan *plan;
	txSlot *function;
	if (xsmcArgc < 1)
		xsTypeError("runner(plan): 1 argument expected");
	plan = xsml_xs_plan_of(the, &xsArg(0));
	if (!plan->mem.pools[XSML_POOL_ARENA])
		xsTypeError("runner: the plan's arena or model may move (not host buffers)");
	xsResult = xsNewHostFunction(xs_xsml_run_all, 0);
	function = xsResult.value.reference;
	mxFunctionInstanceHome(function)->next = C_NULL;
	mxFunctionInstanceCode(function)->value.callback.closures = xsArg(0).value.reference;
}

/* pinned(plan) -> whether prepare took pools that never move (then run needs no pools, and runner works) */
static void xs_xsml_pinned(xsMachine *the)
{
	if (xsmcArgc < 1)
		xsTypeError("pinned(plan): 1 argument expected");
	xsmcSetBoolean(xsResult, xsml_xs_plan_of(the, &xsArg(0))->mem.pools[XSML_POOL_ARENA] != NULL);
}

/* word(plan, i) -> word i of the words prepare kept with the plan */
static void xs_xsml_word(xsMachine *the)
{
	xsml_xs_plan *plan;
	xsIntegerValue i;
	if (xsmcArgc < 2)
		xsTypeError("word(plan, i): 2 arguments expected");
	plan = xsml_xs_plan_of(the, &xsArg(0));
	i = xsmcToInteger(xsArg(1));
	if ((i < 0) || ((uint32_t)i >= plan->words))
		xsRangeError("word: %d is not within the plan's %u words", (int)i, (unsigned)plan->words);
	xsmcSetInteger(xsResult, plan->data[i]);
}

/* runNanoseconds() -> number: 0 on the first call, which starts timing every plan's runs */
static void xs_xsml_run_nanoseconds(xsMachine *the)
{
	xsml_xs_timed = 1;
	xsmcSetNumber(xsResult, (double)xsml_xs_run_ns);
}

/* now() -> microseconds, monotonic */
static void xs_xsml_now(xsMachine *the)
{
	xsmcSetNumber(xsResult, (double)xsml_xs_clock_ns() / 1000.0);
}

/* hostBuffer(byteLength) -> a zeroed host buffer outside the XS heap */
static void xs_xsml_host_buffer(xsMachine *the)
{
	xsIntegerValue bytes;
	void *data;
	if (xsmcArgc < 1)
		xsTypeError("hostBuffer(byteLength): 1 argument expected");
	bytes = xsmcToInteger(xsArg(0));
	if (bytes < 0)
		xsRangeError("hostBuffer: byteLength %d is negative", (int)bytes);
	xsResult = xsNewHostObject(free); /* not xsml_xs_plan_free: that one marks plan handles */
	data = calloc(bytes ? (size_t)bytes : 1, 1);
	if (!data)
		xsUnknownError("hostBuffer: out of memory for %d bytes", (int)bytes);
	xsmcSetHostBuffer(xsResult, data, bytes);
}

/* collect(): a full garbage collection, so that a measurement starts from a heap with no garbage */
static void xs_xsml_collect(xsMachine *the)
{
	xsCollectGarbage();
}

/* heapStats([out: Float64Array]) -> {chunksBytes, slots, peakChunksBytes, peakSlots} */
static void xs_xsml_heap_stats(xsMachine *the)
{
	/* Read first: with `out`, nothing below allocates, so the numbers are what invoke left. */
	double stats[4];
	stats[0] = (double)the->currentChunksSize;
	stats[1] = (double)the->currentHeapCount;
	stats[2] = (double)the->peakChunksSize;
	stats[3] = (double)the->peakHeapCount;
	xsmcVars(2);
	if ((xsmcArgc > 0) && (xsmcTypeOf(xsArg(0)) != xsUndefinedType)) {
		uint32_t bytes;
		uint8_t *out = xsml_xs_bytes(the, &xsArg(0), &xsVar(0), &bytes, 1, "heapStats: out");
		if (bytes < sizeof(stats))
			xsRangeError("heapStats: out must hold 4 float64s");
		memcpy(out, stats, sizeof(stats));
		return;
	}
	xsmcSetNewObject(xsResult);
	xsmcSetNumber(xsVar(0), stats[0]);
	xsmcSet(xsResult, xsID("chunksBytes"), xsVar(0));
	xsmcSetNumber(xsVar(0), stats[1]);
	xsmcSet(xsResult, xsID("slots"), xsVar(0));
	xsmcSetNumber(xsVar(0), stats[2]);
	xsmcSet(xsResult, xsID("peakChunksBytes"), xsVar(0));
	xsmcSetNumber(xsVar(0), stats[3]);
	xsmcSet(xsResult, xsID("peakSlots"), xsVar(0));
	xsmcSetInteger(xsVar(0), (xsIntegerValue)sizeof(txSlot));
	xsmcSet(xsResult, xsID("slotBytes"), xsVar(0));
#ifdef XSML_XS_PLAN_POOL_BYTES
	/* The board's plan pool: bytes in use now, their peak, and its size. */
	xsmcSetInteger(xsVar(0), (xsIntegerValue)xsml_xs_pool_top);
	xsmcSet(xsResult, xsID("planPoolBytes"), xsVar(0));
	xsmcSetInteger(xsVar(0), (xsIntegerValue)xsml_xs_pool_peak);
	xsmcSet(xsResult, xsID("peakPlanPoolBytes"), xsVar(0));
	xsmcSetInteger(xsVar(0), (xsIntegerValue)sizeof(xsml_xs_pool_memory));
	xsmcSet(xsResult, xsID("planPoolSize"), xsVar(0));
#endif
}

void xsml_xs_install(xsMachine *the)
{
	static const struct {
		const char *name;
		xsCallback callback;
		int length;
	} functions[] = {
		{ "prepare", xs_xsml_prepare, 6 },
		{ "run", xs_xsml_run, 5 },
		{ "runner", xs_xsml_runner, 1 },
		{ "pinned", xs_xsml_pinned, 1 },
		{ "word", xs_xsml_word, 2 },
		{ "runNanoseconds", xs_xsml_run_nanoseconds, 0 },
		{ "now", xs_xsml_now, 0 },
		{ "hostBuffer", xs_xsml_host_buffer, 1 },
		{ "heapStats", xs_xsml_heap_stats, 1 },
		{ "collect", xs_xsml_collect, 0 },
	};
	size_t i;
	xsBeginHost(the);
	{
		xsmcVars(2);
		xsmcSetNewObject(xsVar(0));
		for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
			xsVar(1) = xsNewHostFunction(functions[i].callback, functions[i].length);
			xsmcSet(xsVar(0), xsID((char *)functions[i].name), xsVar(1));
		}
		xsmcSet(xsGlobal, xsID("xsmlNative"), xsVar(0));
	}
	xsEndHost(the);
}

/*
 * The XS glue of the native executor: the only C of xsml that includes the XS engine's headers.
 * It installs one global, `xsmlNative`, whose host functions hosts/xs/native-executor.ts calls
 * (declared for TypeScript in hosts/xs/xs-host.d.ts):
 *
 *   prepare(program, refBytes, arena, model, rounding, words) -> plan handle
 *       copies the plan's records (Int32Array) into memory the C side owns, checks every record
 *       with xsml_plan_check against refBytes (Int32Array) and the byte lengths of arena and model,
 *       and returns a host object whose destructor frees the copy; a failed check throws an Error
 *       with the checker's message. rounding: XSML_ROUNDING_SINGLE (0) or XSML_ROUNDING_DOUBLE (1).
 *       words (Int32Array): numbers kept with the records for the caller (word reads them back).
 *   run(plan, from, to[, arena, model])
 *       runs ops [from, to) in ONE call of xsml_plan_run, over the pools prepare took if neither can
 *       move (host buffers), else over the arena and model given.
 *   runner(plan) -> function             runs every op of a pinned plan, no arguments
 *   pinned(plan) -> boolean              whether the plan's pools never move
 *   word(plan, i) -> number              word i of prepare's words
 *   runNanoseconds() -> number           time spent inside xsml_plan_run by every plan, in ns,
 *       since the first call (which returns 0): runs read no clock until something asks
 *   now() -> number                       a monotonic clock, in microseconds
 *   hostBuffer(byteLength) -> host buffer zeroed memory outside the XS heap (the GC never moves
 *       it; `new Uint8Array(hostBuffer)` views it): what a board's static arena is to JS
 *   heapStats([out: Float64Array(4)]) -> {chunksBytes, slots, peakChunksBytes, peakSlots}
 *       the XS heap in use now; with `out`, written there instead (allocating nothing)
 *   collect()                             a full garbage collection
 */
#ifndef XSML_XS_H
#define XSML_XS_H

#include "xs.h"

/* Defines the global `xsmlNative` on the machine; call inside xsBeginHost, before the bundle runs. */
void xsml_xs_install(xsMachine *the);

#endif

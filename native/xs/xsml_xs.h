/*
 * The XS glue of the native executor: the only C of xsml that includes the XS engine's headers.
 * It installs one global, `xsmlNative`, whose host functions hosts/xs/native-executor.ts calls
 * (declared for TypeScript in hosts/xs/xs-host.d.ts):
 *
 *   prepare(program, refBytes, arena, model, rounding) -> plan handle
 *       copies the plan's records (Int32Array) into memory the C side owns, checks every record
 *       with xsml_plan_check against refBytes (Int32Array) and the byte lengths of arena and model,
 *       and returns a host object whose destructor frees the copy; a failed check throws an Error
 *       with the checker's message. rounding: XSML_ROUNDING_SINGLE (0) or XSML_ROUNDING_DOUBLE (1).
 *   run(plan, from, to, arena, model)
 *       runs ops [from, to) in ONE call of xsml_plan_run over the current arena and model bytes.
 *   runNanoseconds(plan) -> number        time spent inside xsml_plan_run for this plan, in ns,
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

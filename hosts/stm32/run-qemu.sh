#!/bin/sh
# Boots STM32 firmware in QEMU (the Netduino Plus 2's STM32F405: -M netduinoplus2) and exits with
# the firmware's status. A real board has no semihosting without a debugger, so the firmware
# ends by printing "xsml: exit STATUS" on its console (USART1, QEMU's first serial port: stdout)
# and sleeping; this script stops QEMU when it sees that line.
#   hosts/stm32/run-qemu.sh BOARD FIRMWARE.elf [QEMU OPTIONS...]
# -icount shift=0,sleep=off: deterministic virtual time (see hosts/mps2/run.sh).
# XSML_QEMU_TIMEOUT (seconds, default 300): past it QEMU is stopped and the status is 124.
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 BOARD FIRMWARE.elf [QEMU OPTIONS...]" >&2
	exit 2
fi
board=$1
firmware=$2
shift 2
case "$board" in
	netduinoplus2|netduinoplus2-qemu) machine=netduinoplus2 ;;
	*) echo "$0: $board has no QEMU model (netduinoplus2 has)" >&2; exit 2 ;;
esac
if [ ! -f "$firmware" ]; then
	echo "$0: no firmware $firmware" >&2
	exit 2
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
qemu-system-arm -M "$machine" -nographic -monitor none -serial "file:$log" -icount shift=0,sleep=off \
	-kernel "$firmware" "$@" &
qemu=$!
deadline=$(( $(date +%s) + ${XSML_QEMU_TIMEOUT:-300} ))
status=124
shown=0
while :; do
	lines=$(wc -l < "$log")
	if [ "$lines" -gt "$shown" ]; then
		sed -n "$((shown + 1)),${lines}p" "$log" | tr -d '\r'
		shown=$lines
	fi
	end=$(tr -d '\r' < "$log" | sed -n 's/^xsml: exit \([0-9]*\)$/\1/p' | head -n 1)
	if [ -n "$end" ]; then status=$end; break; fi
	if ! kill -0 "$qemu" 2>/dev/null; then status=125; break; fi
	if [ "$(date +%s)" -ge "$deadline" ]; then break; fi
	sleep 0.05
done
kill "$qemu" 2>/dev/null
wait "$qemu" 2>/dev/null
lines=$(wc -l < "$log")
[ "$lines" -gt "$shown" ] && sed -n "$((shown + 1)),${lines}p" "$log" | tr -d '\r'
exit "$status"

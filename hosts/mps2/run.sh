#!/bin/sh
# Boots xsml firmware in QEMU and exits with the firmware's exit status.
#   hosts/mps2/run.sh BOARD FIRMWARE.elf [QEMU OPTIONS...]
# BOARD: mps2-an386 (Cortex-M4F) or mps2-an500 (Cortex-M7). The console (UART0) is stdout.
# -icount shift=0: virtual time advances 1 ns per guest instruction, so the board's 25 MHz counter
# counts instructions (40 per tick) and every run of the same firmware counts the same.
# sleep=off: otherwise QEMU also advances virtual time by host time while the CPU is not running
# (before the first instruction too), and the counter's value at boot varies from run to run.
# The firmware ends through semihosting (SYS_EXIT_EXTENDED), whose status QEMU exits with.
# XSML_QEMU_TIMEOUT (seconds of host time, default 300): past it QEMU is killed and the status is 124.
set -u
if [ $# -lt 2 ]; then
	echo "usage: $0 BOARD FIRMWARE.elf [QEMU OPTIONS...]" >&2
	exit 2
fi
board=$1
firmware=$2
shift 2
case "$board" in
	mps2-an386|mps2-an500) ;;
	*) echo "$0: unknown board $board (mps2-an386 or mps2-an500)" >&2; exit 2 ;;
esac
if [ ! -f "$firmware" ]; then
	echo "$0: no firmware $firmware" >&2
	exit 2
fi
exec timeout --foreground -k 5 "${XSML_QEMU_TIMEOUT:-300}" qemu-system-arm -M "$board" -nographic -monitor none \
	-serial stdio -icount shift=0,sleep=off -semihosting-config enable=on,target=native -kernel "$firmware" "$@"

#!/bin/sh
# The firmware's flash by origin, from the linker map (-Wl,-Map): every input section placed in
# flash (.text with read-only data, .ARM.*, .xsml_bytecode, .xsml_models, and .data's image),
# summed by the file it came from, grouped: XS engine (libxs.a), native executor and kernels
# (native/'s libxsml.a and the XS glue), firmware (hosts/mps2), newlib + libgcc, byte code, models.
# Approximate to a few hundred bytes: merged string sections count with their size before merging.
#   flash-split.sh FIRMWARE.map
set -eu
awk '
function hex(s,   n, i, c) {
	n = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++) {
		c = index("0123456789abcdef", substr(s, i, 1)) - 1
		n = n * 16 + c
	}
	return n
}
function group(file) {
	if (file ~ /libxs\.a\(/) return "XS engine (libxs.a)";
	if (file ~ /libxsml\.a\(/ || file ~ /\/glue\//) return "native executor + kernels + XS glue";
	if (file ~ /bytecode\.o$/) return "byte code (.xsml_bytecode)";
	if (file ~ /models\.o$/) return "models (.xsml_models)";
	if (file ~ /lib(c|c_nano|m|g|g_nano|gcc|nosys)\.a\(/ || file ~ /libgcc/ ) return "newlib + libgcc";
	if (file ~ /\/(board|xs)\// || file ~ /main\.o$/) return "firmware (hosts/mps2)";
	return "other";
}
function add(size, file) {
	if (!inflash || size == 0) return;
	g = group(file);
	sum[g] += size;
	total += size;
}
/^[.A-Za-z_]/ {
	# an output section: flash ones are .text, .ARM.*, .xsml_bytecode, .xsml_models; .data is loaded from flash
	inflash = ($1 == ".text" || $1 ~ /^\.ARM\.ex/ || $1 == ".xsml_bytecode" || $1 == ".xsml_models" || $1 == ".data")
	pending = ""
	next
}
/^ [.*A-Za-z_]/ {
	if ($1 == "*fill*") { if (inflash) { sum["alignment fill"] += hex($3); total += hex($3) } next }
	if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) { add(hex($3), $4); pending = ""; next }
	if (NF == 1) { pending = $1; next }
	next
}
/^  +0x/ {
	if (pending != "" && NF >= 3 && $2 ~ /^0x/) add(hex($2), $3)
	pending = ""
	next
}
END {
	for (g in sum) printf "%10d  %s\n", sum[g], g | "sort -rn"
	close("sort -rn")
	printf "%10d  total (sum of the input sections)\n", total
}' "$1"

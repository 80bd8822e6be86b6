/*
 * Byte code compiled on the desktop by xsml-xsc (hosts/mps2/tools/xsml-xsc.c) and linked into the
 * firmware's flash: for each script, XS's symbol table and code buffer, as fxParseScript produced
 * them. xsml-xsc writes a C file defining xsml_bytecodes[] (in the order given on its command line)
 * and xsml_bytecode_count. The firmware copies the code into RAM (XS rewrites the symbol IDs in
 * it) and runs it; with XSML_BYTECODE_RESIDENT the copy stays for the life of the machine
 * (functions point into it), otherwise fxRunScript frees it and functions live in XS chunks.
 */
#ifndef XSML_BYTECODE_H
#define XSML_BYTECODE_H

#include <stdint.h>

#define XSML_BYTECODE_SCRIPT 0u /* compiled as a classic script (mxProgramFlag) */
#define XSML_BYTECODE_MODULE 1u /* compiled as a module: not run by the firmware (yet) */
#define XSML_BYTECODE_RESIDENT 2u /* functions run in place: keep the code buffer (see xsml-xsc.c) */
#define XSML_BYTECODE_IN_FLASH 4u /* IDs fixed by xsml-xsc: the code runs from flash, no RAM copy */

typedef struct {
	const char *name; /* the source file's base name */
	uint8_t version[4]; /* XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION, sizeof(txID) */
	uint32_t flags; /* XSML_BYTECODE_* */
	uint32_t source_bytes; /* size of the JavaScript source */
	const uint8_t *symbols;
	uint32_t symbols_bytes;
	const uint8_t *code;
	uint32_t code_bytes;
} xsml_bytecode;

extern const xsml_bytecode *const xsml_bytecodes[];
extern const unsigned xsml_bytecode_count;

/* XSML_BYTECODE_IN_FLASH: the names the firmware registers while XS creates its machine, so that
   xsml_bytecode_keys[k] gets the ID xsml_bytecode_first_key + k (XS_ID_COUNT of the compiler). */
extern const unsigned xsml_bytecode_first_key;
extern const unsigned xsml_bytecode_key_count;
extern const char *const xsml_bytecode_keys[];

#endif

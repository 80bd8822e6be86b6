/*
 * xsml-xsc: compiles JavaScript to XS byte code on the desktop, for firmware that has no parser.
 *
 *   xsml-xsc [--module] [--copy-functions | --in-flash] [-o OUT.c] [--run] FILE.js...
 *
 * Each FILE is parsed and compiled by the XS sources' own parser and code generator (the same XS
 * version as the firmware: hosts/xs/fetch-xs.sh) as a classic script, or with --module as a
 * module. -o writes a C file with, for each script in order, its symbol table and code buffer as
 * const arrays in the sections .xsml_bytecode.* (flash), an xsml_bytecode record for each
 * (hosts/mps2/xs/xsml_bytecode.h) and the table xsml_bytecodes[] / xsml_bytecode_count.
 * --run runs the compiled byte code here, the way the firmware does (copies of the buffers,
 * fxRunScript, the scripts in order in one machine, global print()): a check of the byte code
 * before it goes to the board. Prints one line per script on stderr: source, symbols and code bytes.
 *
 * Functions run in place: XS's code generator emits each function's byte code inline, behind an
 * XS_CODE_CODE_n opcode, and when the function is defined XS copies that byte code into a chunk of
 * the XS heap. xsml-xsc rewrites those opcodes to XS_CODE_CODE_ARCHIVE_n (same operands), which
 * XS's preloaded archives use: the function then points into the code buffer itself. The firmware
 * keeps the code buffer for the life of the machine instead of freeing it after the script ran
 * (XSML_BYTECODE_RESIDENT): the chunk heap no longer holds a second copy of every function.
 * --copy-functions keeps XS's own behaviour (copies; the code buffer is freed).
 *
 * --in-flash: the code runs from flash, with no copy in RAM at all (XSML_BYTECODE_IN_FLASH). The
 * firmware cannot rewrite symbol IDs in flash, so they are written here: a name XS predefines
 * (gxIDStrings[], the same table on the desktop and the board) keeps its ID; every other name of
 * every script gets XS_ID_COUNT + k, k its rank in xsml_bytecode_keys[] (first appearance, all
 * scripts in order). The firmware registers those names right after XS's own keys, while the
 * machine is created (fxBuildKeys in hosts/mps2/xs/xsmlBoardPlatform.c), so that they get exactly
 * these IDs, and checks that they did.
 * Exit status: 0, 1 on a syntax error or (with --run) an uncaught exception, 2 on a usage error.
 */
#include "xsAll.h"
#include "xsScript.h"
#include "xs.h"

#include <errno.h>

#include "xsml_bytecode.h"

typedef struct {
	const char *path;
	const char *name;
	uint32_t source_bytes;
	uint32_t flags;
	txScript *script;
} Compiled;

/* ---- the platform functions XS asks for ---- */

void fxAbort(txMachine *the, int status)
{
	fflush(stdout);
	fprintf(stderr, "xsml-xsc: XS aborted (status %d)\n", status);
	exit(1);
}

void fxQueuePromiseJobs(txMachine *the)
{
	the->promiseJobs = 1;
}

char *fxCStackLimit()
{
	return C_NULL; /* no C stack check in the compiler */
}

txID fxFindModule(txMachine *the, txSlot *realm, txID moduleID, txSlot *slot)
{
	return XS_NO_ID;
}

void fxLoadModule(txMachine *the, txSlot *module, txID moduleID)
{
	mxUnknownError("xsml-xsc does not load modules");
}

/* ---- compiling ---- */

static char *read_file(const char *path, uint32_t *size)
{
	FILE *file = fopen(path, "rb");
	char *data;
	long length;
	if (!file) {
		fprintf(stderr, "xsml-xsc: cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if ((fseek(file, 0, SEEK_END) != 0) || ((length = ftell(file)) < 0) || (fseek(file, 0, SEEK_SET) != 0)) {
		fprintf(stderr, "xsml-xsc: cannot read %s\n", path);
		exit(1);
	}
	data = malloc((size_t)length + 1);
	if (!data || (fread(data, 1, (size_t)length, file) != (size_t)length)) {
		fprintf(stderr, "xsml-xsc: cannot read %s\n", path);
		exit(1);
	}
	data[length] = 0;
	fclose(file);
	*size = (uint32_t)length;
	return data;
}

static void report_error(void *console, txString path, txInteger line, txString format, c_va_list arguments)
{
	fprintf(stderr, "%s:%d: error: ", path ? path : "?", (int)line);
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

static void report_warning(void *console, txString path, txInteger line, txString format, c_va_list arguments)
{
	fprintf(stderr, "%s:%d: warning: ", path ? path : "?", (int)line);
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

/* Parses and compiles one file; NULL after printing the errors. */
static txScript *compile(txMachine *the, const char *path, const char *source, uint32_t size, txUnsigned flags)
{
	txParser _parser;
	txParser *parser = &_parser;
	txParserJump jump;
	txStringCStream stream;
	txScript *volatile script = C_NULL;
	int errors;
	stream.buffer = (txString)source;
	stream.offset = 0;
	stream.size = (txSize)size;
	fxInitializeParser(parser, the, the->parserBufferSize, the->parserTableModulo);
	parser->reportError = report_error;
	parser->reportWarning = report_warning;
	parser->firstJump = &jump;
	if (c_setjmp(jump.jmp_buf) == 0) {
		parser->path = fxNewParserSymbol(parser, (txString)path);
		fxParserTree(parser, &stream, fxStringCGetter, flags, C_NULL);
		fxParserHoist(parser);
		fxParserBind(parser);
		script = fxParserCode(parser);
	}
	errors = parser->errorCount;
	fxTerminateParser(parser);
	if (errors || !script) {
		fxDeleteScript(script);
		return C_NULL;
	}
	return script;
}

/* XS_CODE_CODE_n -> XS_CODE_CODE_ARCHIVE_n everywhere in the code (walked like fxRemapIDs).
   Returns how many functions were rewritten. */
static int make_resident(txScript *script)
{
	txByte *p = script->codeBuffer;
	txByte *q = p + script->codeSize;
	int count = 0;
	while (p < q) {
		txU1 code = *(txU1 *)p;
		txS1 offset = gxCodeSizes[code];
		if ((code == XS_CODE_CODE_1) || (code == XS_CODE_CODE_2) || (code == XS_CODE_CODE_4)) {
			*p = (txByte)(code + (XS_CODE_CODE_ARCHIVE_1 - XS_CODE_CODE_1));
			count++;
		}
		if (0 < offset)
			p += offset;
		else if (0 == offset)
			p += 1 + sizeof(txID);
		else if (-1 == offset)
			p += 2 + *(txU1 *)(p + 1);
		else if (-2 == offset) {
			txU2 length;
			p++;
			mxDecode2(p, length);
			p += length;
		}
		else if (-4 == offset) {
			txS4 length;
			p++;
			mxDecode4(p, length);
			p += length;
		}
		else {
			fprintf(stderr, "xsml-xsc: unknown code size %d for opcode %d\n", offset, code);
			exit(1);
		}
	}
	return count;
}

/* ---- IDs fixed on the desktop (--in-flash) ---- */

static const char **flash_keys; /* names that XS does not predefine, in the order they get IDs */
static int flash_key_count;

/* The ID a name will have on the board: its predefined one, or XS_ID_COUNT + its rank. */
static txID flash_id(const char *name)
{
	int i;
	for (i = XS_SYMBOL_ID_COUNT; i < XS_ID_COUNT; i++)
		if (!strcmp(gxIDStrings[i], name))
			return (txID)i;
	for (i = 0; i < flash_key_count; i++)
		if (!strcmp(flash_keys[i], name))
			return (txID)(XS_ID_COUNT + i);
	flash_keys = realloc((void *)flash_keys, (size_t)(flash_key_count + 1) * sizeof(char *));
	flash_keys[flash_key_count] = strdup(name);
	return (txID)(XS_ID_COUNT + flash_key_count++);
}

/* Writes the board's IDs into the code (as fxRunScript would on the board) and drops the
   symbols: the code is final. */
static void fix_ids(txMachine *the, txScript *script)
{
	txByte *p = script->symbolsBuffer;
	txID c, i, *ids;
	mxDecodeID(p, c);
	ids = malloc((size_t)c * sizeof(txID));
	ids[0] = XS_NO_ID;
	for (i = 1; i < c; i++) {
		ids[i] = flash_id((const char *)p);
		p += mxStringLength((char *)p) + 1;
	}
	fxRemapIDs(the, script->codeBuffer, script->codeSize, ids);
	free(ids);
}

/* XS's predefined names must be what flash_id assumes: ID i for gxIDStrings[i]. */
static int check_predefined_ids(txMachine *the)
{
	int i;
	for (i = XS_SYMBOL_ID_COUNT; i < XS_ID_COUNT; i++) {
		if (fxFindName(the, gxIDStrings[i]) != (txID)i) {
			fprintf(stderr, "xsml-xsc: --in-flash: XS's name %s does not have ID %d\n", gxIDStrings[i], i);
			return 0;
		}
	}
	return 1;
}

/* ---- the C file ---- */

static void write_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 32 || c > 126)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void write_bytes(FILE *out, const char *type, unsigned index, const char *what, const txS1 *bytes, txSize size)
{
	txSize i;
	fprintf(out, "__attribute__((section(\".xsml_bytecode.%s%u\"), aligned(4)))\nstatic const %s xsml_%s_%u[%ld] = {", what, index, type, what, index, (long)(size ? size : 1));
	for (i = 0; i < size; i++)
		fprintf(out, "%s%d,", (i % 24) ? "" : "\n\t", (int)(uint8_t)bytes[i]);
	if (!size)
		fprintf(out, "0");
	fprintf(out, "\n};\n\n");
}

static int write_c(const char *path, Compiled *compiled, int count)
{
	FILE *out = fopen(path, "w");
	int i;
	if (!out) {
		fprintf(stderr, "xsml-xsc: cannot write %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(out, "/* Generated by xsml-xsc (XS %d.%d.%d) from", XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION);
	for (i = 0; i < count; i++)
		fprintf(out, " %s", compiled[i].name);
	fprintf(out, ". Do not edit. */\n#include \"xsml_bytecode.h\"\n\n");
	for (i = 0; i < count; i++) {
		txScript *s = compiled[i].script;
		if (compiled[i].flags & XSML_BYTECODE_IN_FLASH)
			s->symbolsSize = 0; /* the IDs are in the code */
		write_bytes(out, "uint8_t", (unsigned)i, "symbols", s->symbolsBuffer, s->symbolsSize);
		write_bytes(out, "uint8_t", (unsigned)i, "code", s->codeBuffer, s->codeSize);
		fprintf(out, "static const xsml_bytecode xsml_script_%d = {\n\t\"%s\", { %d, %d, %d, %d }, %uu, %uu,\n\txsml_symbols_%d, %ldu, xsml_code_%d, %ldu\n};\n\n",
			i, compiled[i].name, XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION, (int)sizeof(txID),
			(unsigned)compiled[i].flags, (unsigned)compiled[i].source_bytes,
			i, (long)s->symbolsSize, i, (long)s->codeSize);
	}
	fprintf(out, "const xsml_bytecode *const xsml_bytecodes[] = {");
	for (i = 0; i < count; i++)
		fprintf(out, " &xsml_script_%d,", i);
	fprintf(out, " 0 };\nconst unsigned xsml_bytecode_count = %d;\n", count);
	/* The names the firmware registers as keys XS_ID_COUNT, XS_ID_COUNT + 1, ... (--in-flash). */
	fprintf(out, "\nconst unsigned xsml_bytecode_first_key = %d;\nconst unsigned xsml_bytecode_key_count = %d;\n", XS_ID_COUNT, flash_key_count);
	fprintf(out, "const char *const xsml_bytecode_keys[] = {");
	for (i = 0; i < flash_key_count; i++) {
		fprintf(out, "%s", (i % 8) ? " " : "\n\t");
		write_string(out, flash_keys[i]);
		fputc(',', out);
	}
	fprintf(out, "\n\t0\n};\n");
	if (fclose(out) != 0) {
		fprintf(stderr, "xsml-xsc: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

/* ---- running here, as the firmware does ---- */

static void xs_print(xsMachine *the)
{
	xsIntegerValue c = xsToInteger(xsArgc), i;
	for (i = 0; i < c; i++) {
		if (i)
			fputc(' ', stdout);
		fputs(xsToString(xsArg(i)), stdout);
	}
	fputc('\n', stdout);
}

extern void fxRemapIDs(txMachine *the, txByte *codeBuffer, txSize codeSize, txID *theIDs);

static void run_copy(txMachine *the, txScript *compiled, uint32_t flags)
{
	txSlot *realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	txScript *script = c_calloc(1, sizeof(txScript));
	script->symbolsBuffer = c_malloc(compiled->symbolsSize);
	script->symbolsSize = compiled->symbolsSize;
	c_memcpy(script->symbolsBuffer, compiled->symbolsBuffer, compiled->symbolsSize);
	script->codeBuffer = c_malloc(compiled->codeSize);
	script->codeSize = compiled->codeSize;
	c_memcpy(script->codeBuffer, compiled->codeBuffer, compiled->codeSize);
	c_memcpy(script->version, compiled->version, 4);
	if (flags & XSML_BYTECODE_RESIDENT) {
		/* As the firmware does: map the symbols here, keep the code (functions point into it). */
		txByte *p = script->symbolsBuffer;
		txID c, i, *ids;
		mxDecodeID(p, c);
		ids = c_malloc(c * sizeof(txID));
		ids[0] = XS_NO_ID;
		for (i = 1; i < c; i++) {
			ids[i] = fxNewNameC(the, (txString)p);
			p += mxStringLength((char *)p) + 1;
		}
		fxRemapIDs(the, script->codeBuffer, script->codeSize, ids);
		c_free(ids);
		c_free(script->symbolsBuffer);
		script->symbolsBuffer = C_NULL; /* so fxRunScript does not free the code */
	}
	fxRunScript(the, script, mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
	mxPop();
}

static int run(xsCreation *creation, Compiled *compiled, int count)
{
	volatile int status = 0;
	xsMachine *the = xsCreateMachine(creation, "xsml-xsc", NULL);
	if (!the) {
		fprintf(stderr, "xsml-xsc: cannot create an XS machine\n");
		return 1;
	}
	xsBeginHost(the);
	{
		xsVars(1);
		xsTry {
			int i;
			xsVar(0) = xsNewHostFunction(xs_print, 1);
			xsSet(xsGlobal, xsID("print"), xsVar(0));
			for (i = 0; i < count; i++) {
				if (compiled[i].flags & XSML_BYTECODE_MODULE)
					xsUnknownError("%s: --run runs scripts only", compiled[i].name);
				run_copy(the, compiled[i].script, compiled[i].flags);
			}
			while (the->promiseJobs) {
				the->promiseJobs = 0;
				fxRunPromiseJobs(the);
			}
		}
		xsCatch {
			fflush(stdout);
			fprintf(stderr, "xsml-xsc: --run: uncaught exception: %s\n", xsToString(xsException));
			status = 1;
		}
	}
	xsEndHost(the);
	fflush(stdout);
	xsDeleteMachine(the);
	return status;
}

static int usage(void)
{
	fprintf(stderr, "usage: xsml-xsc [--module] [--copy-functions | --in-flash] [-o OUT.c] [--run] FILE.js...\n");
	return 2;
}

int main(int argc, char *argv[])
{
	xsCreation creation = {
		1024 * 1024, 1024 * 1024, /* chunks */
		64 * 1024, 32 * 1024, /* slots */
		8 * 1024, /* stack */
		4 * 1024, 2 * 1024, /* keys */
		1993, 127, /* name and symbol modulo */
		1024 * 1024, /* parserBufferSize: the longest literal */
		1993, 0,
	};
	const char *output = NULL;
	int module = 0, execute = 0, resident = 1, in_flash = 0, count = 0, i, status = 0;
	Compiled *compiled = calloc((size_t)argc, sizeof(Compiled));
	xsMachine *the;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--module"))
			module = 1;
		else if (!strcmp(argv[i], "--copy-functions"))
			resident = 0;
		else if (!strcmp(argv[i], "--in-flash"))
			in_flash = 1;
		else if (!strcmp(argv[i], "--run"))
			execute = 1;
		else if (!strcmp(argv[i], "-o") && (i + 1 < argc))
			output = argv[++i];
		else if (argv[i][0] == '-')
			return usage();
		else {
			const char *slash = strrchr(argv[i], '/');
			compiled[count].path = argv[i];
			compiled[count].name = slash ? slash + 1 : argv[i];
			compiled[count].flags = (module ? XSML_BYTECODE_MODULE : XSML_BYTECODE_SCRIPT) | (resident ? XSML_BYTECODE_RESIDENT : 0)
				| ((resident && in_flash) ? XSML_BYTECODE_IN_FLASH : 0);
			count++;
		}
	}
	if (!count || (!output && !execute) || (in_flash && (!resident || module || execute)))
		return usage();

	the = xsCreateMachine(&creation, "xsml-xsc", NULL);
	if (!the) {
		fprintf(stderr, "xsml-xsc: cannot create an XS machine\n");
		return 1;
	}
	for (i = 0; i < count; i++) {
		char *source = read_file(compiled[i].path, &compiled[i].source_bytes);
		compiled[i].script = compile(the, compiled[i].path, source, compiled[i].source_bytes,
			(compiled[i].flags & XSML_BYTECODE_MODULE) ? 0 : mxProgramFlag);
		free(source);
		if (!compiled[i].script)
			return 1;
		fprintf(stderr, "xsml-xsc: %s: %u bytes of source -> %ld bytes of symbols + %ld bytes of code", compiled[i].name,
			(unsigned)compiled[i].source_bytes, (long)compiled[i].script->symbolsSize, (long)compiled[i].script->codeSize);
		if (compiled[i].flags & XSML_BYTECODE_RESIDENT)
			fprintf(stderr, " (%d functions run in place%s)", make_resident(compiled[i].script),
				(compiled[i].flags & XSML_BYTECODE_IN_FLASH) ? ", from flash" : "");
		fprintf(stderr, "\n");
		if (compiled[i].flags & XSML_BYTECODE_IN_FLASH) {
			if ((i == 0) && !check_predefined_ids(the))
				return 1;
			fix_ids(the, compiled[i].script);
		}
	}
	if (in_flash)
		fprintf(stderr, "xsml-xsc: %d names registered at boot (IDs %d to %d)\n", flash_key_count, XS_ID_COUNT, XS_ID_COUNT + flash_key_count - 1);
	xsDeleteMachine(the);

	if (output)
		status = write_c(output, compiled, count);
	if (!status && execute)
		status = run(&creation, compiled, count);
	for (i = 0; i < count; i++)
		fxDeleteScript(compiled[i].script);
	free(compiled);
	return status;
}

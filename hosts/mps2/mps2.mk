# The xsml firmware for the MPS2 boards under QEMU: rules shared by hosts/mps2-an386/Makefile
# (Cortex-M4F) and hosts/mps2-an500/Makefile (Cortex-M7), which set BOARD, CPU, CPU_FLAGS and
# LDSCRIPT and include this file. The STM32 boards include it too, through hosts/stm32/stm32.mk,
# which sets BOARD_SRC (their board code), APPS and the settings below before including it. GNU make; arm-none-eabi-gcc + newlib (Debian packages
# gcc-arm-none-eabi, libnewlib-arm-none-eabi); outputs under build/mps2/ (gitignored).
#
#   make                  build/mps2/BOARD/OPT[-ts]/{selftest,fail,overflow,hello_world,runner,demo}.elf
#   make NAME             one app's firmware (make runner, make demo, ...)
#   make check            boots selftest (must exit 0), fail (1) and overflow (2) in QEMU
#   make run APP=NAME     boots NAME.elf in QEMU (hosts/mps2/run.sh), exit status of the firmware
#   make size             flash split (XS engine, newlib, board, kernels, byte code, models)
#   make clean            removes build/mps2/BOARD
#
# Build settings (make VAR=value):
#   OPT=-Os|-O2           optimisation of everything C (each value builds in its own folder)
#   ARENA_BYTES=131072    size of the static arena (.xsml_arena)
#   ARENA_REGION=sram     sram (on-chip, default) or sdram (the board's 16 MB PSRAM)
#   HEAP_BYTES=2097152    the XS heap budget: newlib malloc's region (XS chunks, slots, keys, stack;
#                         the scripts' code buffers)
#   STACK_BYTES=32768     the C stack (XS stops 8 KB above its end: XSML_CSTACK_MARGIN)
#   XSC_FLAGS=            xsml-xsc options; --copy-functions: XS copies each function's byte code
#                         into its heap as usual, instead of running it in place (the default)
#   NATIVE=1              link the native executor and kernels (native/, native/xs/xsml_xs.c): the
#                         apps run every model on it (the default). NATIVE=0: the TypeScript
#                         executor (build/mps2/BOARD/OPT-ts/). The kernels are native/'s build for
#                         the board's core: `make -C native arm` (M4F) or `make -C native arm-m7`.
#   PLAN_POOL_BYTES=65536 the static pool the native glue takes the checked plans from (no malloc)
#   BYTECODE=ram          ram: each script's code is copied to RAM (XS writes the symbol IDs into
#                         it) and stays there; flash: xsml-xsc writes the IDs, the code runs from
#                         flash and the firmware registers the names at boot (xsml-xsc --in-flash)
#   XS_* (below)          the XS machine's creation parameters
#
# Apps: a firmware runs the scripts of its app in order, compiled to XS byte code on the desktop
# by xsml-xsc (hosts/mps2/tools/), and can read the models linked into it:
#   selftest     hosts/mps2/apps/selftest.js (JS features the runtime relies on)
#   fail         hosts/mps2/apps/fail.js (throws: the firmware must exit 1)
#   overflow     hosts/mps2/apps/overflow.js (overflows the JS stack: XS aborts, exit 2, no fault)
#   hello_world  the runtime bundle (hosts/mps2/runtime.ts as an IIFE script defining `xsml`) and
#                hosts/mps2/apps/hello_world.ts; models/tflm/hello_world_no_quant_2788.tflite
#   runner       the runtime and hosts/mps2/apps/runner.ts: runs the job QEMU's `-device loader`
#                placed in the LOAD region (models and inputs; `xsml run --host BOARD` writes it)
#   demo         the runtime and hosts/mps2/apps/demo.ts (`npm run demo`), with the sine,
#                person_detect, hotword and gesture models and their test inputs linked into flash

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

MPS2 := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
ROOT := $(abspath $(MPS2)/../..)
XS := $(ROOT)/hosts/xs/build/moddable/xs
XS_STAMP := $(XS)/.extracted-xsnap-0.15.0
OUT := $(ROOT)/build/mps2
OPT ?= -Os
NATIVE ?= 1
BYTECODE ?= ram
BUILD := $(OUT)/$(BOARD)/$(subst -,,$(OPT))$(if $(filter 1,$(NATIVE)),,-ts)$(if $(filter flash,$(BYTECODE)),-flash)
# The board's own code (startup, console, clock, syscalls) and the glue's clock function.
BOARD_SRC ?= $(MPS2)/board
BOARD_SOURCES ?= startup board syscalls
CLOCK_NS_FN ?= mps2_clock_ns
RUN_SH ?= $(MPS2)/run.sh
JS := $(OUT)/js
XSC := $(OUT)/host/xsml-xsc
Q := $(if $(V),,@)

ARENA_BYTES ?= 131072
ARENA_REGION ?= sram
HEAP_BYTES ?= 2097152
STACK_BYTES ?= 32768
PLAN_POOL_BYTES ?= 65536
# XS creation parameters: chunks in bytes, slots (16 bytes each), JS stack slots, keys. XS collects
# garbage before it grows the heap, so the initial sizes set how often it does while a model is
# loaded and planned: for person_detect, 64 KB + 8K slots meant 1,641 collections and 1.74 G
# instructions to prepare; 512 KB + 32K slots, 49 collections and 0.34 G.
XS_CHUNKS ?= 524288
XS_CHUNKS_INCREMENT ?= 131072
XS_SLOTS ?= 32768
XS_SLOTS_INCREMENT ?= 4096
XS_STACK ?= 1024
XS_KEYS ?= 1024
XS_KEYS_INCREMENT ?= 256

CC := arm-none-eabi-gcc
AR := arm-none-eabi-ar
SIZE := arm-none-eabi-size
NODE_BIN := $(ROOT)/node_modules/.bin

# The engine without the parser: eval/Function are not available on the board (xsmlBoardPlatform.c).
XS_PARSER := xsLexical xsSyntaxical xsTree xsScope xsCode xsScript xsSourceMap
XS_ALL := xsAll xsAPI xsArguments xsArray xsAtomics xsBigInt xsBoolean xsCode xsCommon \
	xsDataView xsDate xsDebug xsDefaults xsError xsFunction xsGenerator xsGlobal xsJSON \
	xsLexical xsLockdown xsMapSet xsMarshall xsMath xsMemory xsModule xsNumber xsObject \
	xsPlatforms xsProfile xsPromise xsProperty xsProxy xsRegExp xsRun xsScope xsScript \
	xsSourceMap xsString xsSymbol xsSyntaxical xsTree xsType xsdtoa xsmc xsre
XS_SOURCES := $(filter-out $(XS_PARSER),$(XS_ALL))

# mxBoundsCheck=1: a JS stack overflow is an error, not a fault. mxMinusZero: -0 like V8.
# mxInstrument: the stack and heap high-water marks printed at the end.
XS_DEFINES := -DINCLUDE_XSPLATFORM -DXSPLATFORM='"xsmlBoardPlatform.h"' -DmxRun=1 -DmxBoundsCheck=1 \
	-DmxMinusZero=1 -DmxInstrument=1 $(if $(filter flash,$(BYTECODE)),-DXSML_FLASH_BYTECODE=1)
XSC_FLAGS += $(if $(filter flash,$(BYTECODE)),--in-flash)
INCLUDES := -I$(MPS2)/xs -I$(BOARD_SRC) -I$(XS)/includes -I$(XS)/platforms -I$(XS)/sources
XS_WARNINGS := -Wall -Wno-misleading-indentation -Wno-implicit-fallthrough -Wno-unused-variable \
	-Wno-unused-but-set-variable -Wno-unused-function -Wno-parentheses -Wno-sign-compare \
	-Wno-format-truncation -Wno-dangling-pointer -Wno-maybe-uninitialized -Wno-format
COMMON_FLAGS := $(CPU_FLAGS) $(OPT) -g -ffunction-sections -fdata-sections
# -fwrapv, -fno-strict-aliasing: XS relies on both (see hosts/xs/Makefile).
XS_CFLAGS := $(COMMON_FLAGS) -fwrapv -fno-strict-aliasing $(XS_WARNINGS)
OWN_CFLAGS := $(COMMON_FLAGS) -std=gnu99 -Wall -Wextra -Wno-unused-parameter
XS_CREATION := -DXSML_XS_CHUNKS=$(XS_CHUNKS) -DXSML_XS_CHUNKS_INCREMENT=$(XS_CHUNKS_INCREMENT) \
	-DXSML_XS_SLOTS=$(XS_SLOTS) -DXSML_XS_SLOTS_INCREMENT=$(XS_SLOTS_INCREMENT) -DXSML_XS_STACK=$(XS_STACK) \
	-DXSML_XS_KEYS=$(XS_KEYS) -DXSML_XS_KEYS_INCREMENT=$(XS_KEYS_INCREMENT)
ARENA_REGION_NAME ?= $(if $(filter sdram,$(ARENA_REGION)),SDRAM,SRAM)
MAIN_DEFINES := -DXSML_BOARD='"$(BOARD)"' -DXSML_CPU='"$(CPU)"' -DXSML_ARENA_BYTES=$(ARENA_BYTES) \
	-DXSML_ARENA_REGION='"$(ARENA_REGION_NAME)"' $(XS_CREATION) $(if $(filter 1,$(NATIVE)),-DXSML_NATIVE=1) $(BOARD_DEFINES)
LDFLAGS := $(CPU_FLAGS) -nostartfiles --specs=nano.specs -Wl,--gc-sections $(LD_DIRS:%=-L%) -L$(MPS2) -L$(BUILD) \
	-T$(LDSCRIPT) -Wl,--defsym=XSML_STACK_BYTES=$(STACK_BYTES) -Wl,--defsym=XSML_HEAP_BYTES=$(HEAP_BYTES)
LIBS := -lm

BOARD_OBJS := $(BOARD_SOURCES:%=$(BUILD)/board/%.o)
OWN_OBJS := $(BOARD_OBJS) $(BUILD)/xs/xsmlBoardPlatform.o $(BUILD)/main.o
LIBXS := $(BUILD)/libxs.a
XS_OBJS := $(XS_SOURCES:%=$(BUILD)/xs-engine/%.o)

# The native executor: the glue (native/xs/xsml_xs.c) and native/'s Cortex-M library.
NATIVE_DIR := $(ROOT)/native
# NATIVE_ARM (the board's Makefile): arm (Cortex-M4F) or arm-m7, native/Makefile's target and folder.
LIBXSML_ARM := $(ROOT)/build/native/$(NATIVE_ARM)/libxsml.a
ifeq ($(NATIVE),1)
NATIVE_OBJS := $(BUILD)/glue/xsml_xs.o
NATIVE_LIBS := -Wl,--whole-archive $(LIBXSML_ARM) -Wl,--no-whole-archive
NATIVE_DEPS := $(LIBXSML_ARM)
INCLUDES += -I$(NATIVE_DIR)/include -I$(NATIVE_DIR)/xs
endif

APPS ?= selftest fail overflow hello_world runner demo
APP ?= $(firstword $(APPS))
SCRIPTS_selftest := $(MPS2)/apps/selftest.js
SCRIPTS_fail := $(MPS2)/apps/fail.js
SCRIPTS_overflow := $(MPS2)/apps/overflow.js
SCRIPTS_hello_world := $(JS)/xsml-board.js $(JS)/hello_world.js
MODELS_hello_world := $(ROOT)/models/tflm/hello_world_no_quant_2788.tflite
SCRIPTS_runner := $(JS)/xsml-board.js $(JS)/runner.js
MODELS_runner :=
SCRIPTS_demo := $(JS)/xsml-board.js $(JS)/demo.js
MODELS_demo := $(addprefix $(ROOT)/models/tflm/,hello_world_no_quant_2788.tflite person_detect.tflite magic_wand.tflite \
	audio_preprocessor_int8.tflite micro_speech_quantized.tflite \
	testdata/person.bmp testdata/no_person.bmp testdata/magic_wand_ring_128x3_f32.bin testdata/magic_wand_slope_128x3_f32.bin \
	testdata/yes_1000ms.wav testdata/no_1000ms.wav testdata/silence_1000ms.wav testdata/noise_1000ms.wav)
JS_APPS := hello_world runner demo

.PHONY: all check run size clean xsc js $(APPS)
all: $(APPS:%=$(BUILD)/%.elf)
$(APPS): %: $(BUILD)/%.elf

# ---- the desktop compiler and the JavaScript ----
xsc: $(XSC)
$(XSC): FORCE
	$(Q)$(MAKE) --no-print-directory -C $(MPS2) xsc
FORCE:

# The runtime as one IIFE script (global `xsml`) and the apps as scripts: tsc, then rollup.
TS_SOURCES := $(shell find $(ROOT)/src $(MPS2) -name '*.ts') $(ROOT)/hosts/xs/native-executor.ts $(ROOT)/hosts/xs/xs-host.d.ts
js: $(JS)/xsml-board.js $(JS_APPS:%=$(JS)/%.js)
$(JS)/.tsc-stamp: $(TS_SOURCES) $(MPS2)/tsconfig.json
	@mkdir -p $(JS)
	@echo "  TSC     hosts/mps2"
	$(Q)cd $(ROOT) && $(NODE_BIN)/tsc -p hosts/mps2
	@touch $@
$(JS)/.rollup-stamp: $(JS)/.tsc-stamp $(MPS2)/rollup.config.mjs
	@echo "  ROLLUP  hosts/mps2/rollup.config.mjs"
	$(Q)cd $(ROOT) && $(NODE_BIN)/rollup --silent -c hosts/mps2/rollup.config.mjs
	@touch $@
$(JS)/xsml-board.js $(JS_APPS:%=$(JS)/%.js): $(JS)/.rollup-stamp ;

# ---- per app: byte code and models ----
define app
$(BUILD)/$(1)/bytecode.c: $$(SCRIPTS_$(1)) $(XSC) $(BUILD)/settings
	@mkdir -p $$(@D)
	@echo "  XSC     $$(notdir $$(SCRIPTS_$(1)))"
	$(Q)$(XSC) $(XSC_FLAGS) -o $$@ $$(SCRIPTS_$(1))
$(BUILD)/$(1)/models.S: $$(MODELS_$(1)) $(MPS2)/tools/gen-models.sh $(MPS2)/mps2.mk
	@mkdir -p $$(@D)
	$(Q)sh $(MPS2)/tools/gen-models.sh $$@ $$(MODELS_$(1))
$(BUILD)/$(1).elf: $(OWN_OBJS) $(NATIVE_OBJS) $(LIBXS) $(BUILD)/$(1)/bytecode.o $(BUILD)/$(1)/models.o $(BUILD)/xsml-arena.ld $(LDSCRIPT) $(MPS2)/sections.ld $(NATIVE_DEPS) $$(APP_DEPS_$(1))
	@echo "  LD      $$(patsubst $(ROOT)/%,%,$$@)"
	$(Q)$(CC) $(LDFLAGS) -Wl,-Map=$$(@:.elf=.map) -o $$@ $(OWN_OBJS) $(NATIVE_OBJS) $(BUILD)/$(1)/bytecode.o $(BUILD)/$(1)/models.o \
		$(LIBXS) $(NATIVE_LIBS) $(LIBS)
	$(Q)$(SIZE) $$@
endef
$(foreach a,$(APPS),$(eval $(call app,$(a))))

$(BUILD)/%/bytecode.o: $(BUILD)/%/bytecode.c $(MPS2)/xs/xsml_bytecode.h
	$(Q)$(CC) $(COMMON_FLAGS) -I$(MPS2)/xs -c -o $@ $<
$(BUILD)/%/models.o: $(BUILD)/%/models.S
	$(Q)$(CC) $(CPU_FLAGS) -c -o $@ $<

# ---- the engine ----
$(LIBXS): $(XS_OBJS)
	@rm -f $@
	@echo "  AR      $(patsubst $(ROOT)/%,%,$@)"
	$(Q)$(AR) rcs $@ $^
$(BUILD)/xs-engine/%.o: $(XS)/sources/%.c $(MPS2)/xs/xsmlBoardPlatform.h | $(XS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      xs/$*.c"
	$(Q)$(CC) $(XS_CFLAGS) $(XS_DEFINES) $(INCLUDES) -c -o $@ $<
$(XS_STAMP):
	sh $(ROOT)/hosts/xs/fetch-xs.sh
$(XS)/sources/%.c: | $(XS_STAMP) ;
.PRECIOUS: $(XS)/sources/%.c

# ---- ours ----
# The settings that change main.o, the byte code and the link are this file's content (rewritten
# only when they change).
SETTINGS := $(MAIN_DEFINES) $(BOARD_DEFINES) $(BYTECODE) $(STACK_BYTES) $(HEAP_BYTES) $(ARENA_REGION) $(XSC_FLAGS) $(PLAN_POOL_BYTES)
$(BUILD)/settings: FORCE
	@mkdir -p $(@D)
	@echo '$(SETTINGS)' | cmp -s - $@ 2>/dev/null || echo '$(SETTINGS)' > $@
$(BUILD)/xsml-arena.ld: $(BUILD)/settings
	$(Q)echo 'REGION_ALIAS("ARENA_RAM", $(ARENA_REGION_NAME));' > $@
OWN_HEADERS := $(wildcard $(BOARD_SRC)/*.h $(MPS2)/xs/*.h) $(MPS2)/board/cortex_m.h
$(BUILD)/board/%.o: $(BOARD_SRC)/%.S
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPU_FLAGS) $(BOARD_DEFINES) -c -o $@ $<
$(BUILD)/board/%.o: $(BOARD_SRC)/%.c $(OWN_HEADERS) $(BUILD)/settings
	@mkdir -p $(@D)
	@echo "  CC      $(patsubst $(ROOT)/%,%,$(BOARD_SRC))/$*.c"
	$(Q)$(CC) $(OWN_CFLAGS) $(BOARD_DEFINES) -I$(BOARD_SRC) -c -o $@ $<
$(BUILD)/xs/%.o: $(MPS2)/xs/%.c $(OWN_HEADERS) | $(XS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      hosts/mps2/xs/$*.c"
	$(Q)$(CC) $(OWN_CFLAGS) $(XS_DEFINES) $(INCLUDES) -c -o $@ $<
$(BUILD)/main.o: $(MPS2)/main.c $(OWN_HEADERS) $(BUILD)/settings | $(XS_STAMP)
	@echo "  CC      hosts/mps2/main.c"
	$(Q)$(CC) $(OWN_CFLAGS) $(XS_DEFINES) $(MAIN_DEFINES) $(INCLUDES) -c -o $@ $<
# The glue on the board: its clock is the board's (mps2_clock_ns: instructions under -icount
# shift=0) and its plans come from a static pool, not malloc.
GLUE_DEFINES := -DXSML_XS_CLOCK_NS=$(CLOCK_NS_FN) -DXSML_XS_PLAN_POOL_BYTES=$(PLAN_POOL_BYTES)
$(BUILD)/glue/%.o: $(NATIVE_DIR)/xs/%.c $(wildcard $(NATIVE_DIR)/include/*.h $(NATIVE_DIR)/xs/*.h) $(BUILD)/settings | $(XS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      native/xs/$*.c"
	$(Q)$(CC) $(OWN_CFLAGS) $(GLUE_DEFINES) $(XS_DEFINES) $(INCLUDES) -c -o $@ $<
$(LIBXSML_ARM): FORCE
	$(Q)$(MAKE) --no-print-directory -C $(NATIVE_DIR) $(NATIVE_ARM) >/dev/null

# ---- running ----
check: $(BUILD)/selftest.elf $(BUILD)/fail.elf $(BUILD)/overflow.elf
	sh $(MPS2)/run.sh $(BOARD) $(BUILD)/selftest.elf
	sh $(MPS2)/run.sh $(BOARD) $(BUILD)/fail.elf; test $$? -eq 1 && echo "fail.elf exited 1, as expected"
	sh $(MPS2)/run.sh $(BOARD) $(BUILD)/overflow.elf; test $$? -eq 2 && echo "overflow.elf exited 2, as expected"
run: $(BUILD)/$(APP).elf
	sh $(RUN_SH) $(BOARD) $<
size: $(BUILD)/$(APP).elf
	$(Q)$(SIZE) -A $< | awk '$$2 > 0 && !/debug|comment|attributes|^Total/'
	$(Q)sh $(MPS2)/tools/flash-split.sh $(<:.elf=.map)

clean:
	rm -rf $(OUT)/$(BOARD)

# The xsml firmware for the STM32 boards: what hosts/netduinoplus2, hosts/nucleo-f767zi and
# hosts/stm32f746g-disco share. A board's Makefile sets BOARD, CPU, CPU_FLAGS, NATIVE_ARM, CHIP
# (stm32f4 or stm32f7), LDSCRIPT, BOARD_DEFINES, the arena's default place and size and the XS
# creation parameters, then includes this file, which includes hosts/mps2/mps2.mk (the rules every
# Cortex-M firmware of xsml shares: XS, the byte code, the kernels, main.c; its settings apply).
#
#   make                  build/mps2/BOARD/Os-flash/{sine,gesture}.elf (+ .bin for flashing)
#   make sine             one app's firmware
#   make size APP=sine    the flash split; `make report` the flash and static RAM of every app
#
# Settings (make VAR=value), beyond mps2.mk's:
#   ARENA=sram|dtcm|ccm|sdram  where the arena goes (the board's linker script names the regions
#                         it has); ARENA_BYTES=N its size. Each app's models are loaded and planned
#                         at build time (tools/check-models.mjs): a model whose arena does not fit
#                         stops the build with the numbers.
#   BYTECODE=flash        (the default here) the byte code runs from flash, no RAM copy
#
# Apps (each links its models into flash; the runtime bundle has only the ops they use):
#   sine      hosts/stm32/apps/sine.ts: hello_world_no_quant_2788.tflite for x = 0..7
#   gesture   hosts/stm32/apps/gesture.ts: magic_wand.tflite on the ring and slope recordings
STM32 := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BOARD_SRC := $(STM32)/board
BOARD_SOURCES := startup stm32 $(CHIP)
CLOCK_NS_FN := stm32_clock_ns
LD_DIRS := $(STM32) $(LD_EXTRA_DIRS)
BYTECODE ?= flash
ARENA_REGION := $(ARENA)
ARENA_REGION_NAME := $(shell echo '$(ARENA)' | tr a-z A-Z)
RUN_SH := $(STM32)/run-qemu.sh
APPS := sine gesture
STM32_JS = $(ROOT)/build/stm32/js/$(BOARD)
SCRIPTS_sine = $(STM32_JS)/sine/xsml-board.js $(STM32_JS)/sine/sine.js
MODELS_sine = $(ROOT)/models/tflm/hello_world_no_quant_2788.tflite
SCRIPTS_gesture = $(STM32_JS)/gesture/xsml-board.js $(STM32_JS)/gesture/gesture.js
MODELS_gesture = $(addprefix $(ROOT)/models/tflm/,magic_wand.tflite testdata/magic_wand_ring_128x3_f32.bin testdata/magic_wand_slope_128x3_f32.bin)
APP_DEPS_sine = $(BUILD)/sine/models-checked
APP_DEPS_gesture = $(BUILD)/gesture/models-checked

include $(STM32)/../mps2/mps2.mk

.PHONY: report bins
all: $(APPS:%=$(BUILD)/%.bin)
bins: $(APPS:%=$(BUILD)/%.bin)
$(BUILD)/%.bin: $(BUILD)/%.elf
	$(Q)arm-none-eabi-objcopy -O binary $< $@

# The models against the arena (build-time refusal) and the ops each app's bundle carries.
STM32_TS := $(shell find $(ROOT)/src $(STM32) -name '*.ts') $(ROOT)/hosts/xs/native-executor.ts $(ROOT)/hosts/xs/xs-host.d.ts $(ROOT)/hosts/mps2/board.d.ts
$(ROOT)/dist/src/index.js: $(shell find $(ROOT)/src -name '*.ts')
	@echo "  TSC     tsconfig.json (dist/, for the model check)"
	$(Q)cd $(ROOT) && $(NODE_BIN)/tsc -p tsconfig.json
$(BUILD)/%/models-checked: $(ROOT)/dist/src/index.js $(STM32)/tools/check-models.mjs $(BUILD)/settings
	@mkdir -p $(@D)
	$(Q)cd $(ROOT) && node $(STM32)/tools/check-models.mjs --arena-bytes $(ARENA_BYTES) --region $(ARENA_REGION_NAME) \
		--ops $(BUILD)/$*/ops $(MODELS_$*)
	@touch $@
$(ROOT)/build/stm32/js/.tsc-stamp: $(STM32_TS) $(STM32)/tsconfig.json
	@mkdir -p $(@D)
	@echo "  TSC     hosts/stm32"
	$(Q)cd $(ROOT) && $(NODE_BIN)/tsc -p hosts/stm32
	@touch $@
$(STM32_JS)/%/xsml-board.js: $(ROOT)/build/stm32/js/.tsc-stamp $(BUILD)/%/models-checked $(STM32)/rollup.config.mjs
	@mkdir -p $(@D)
	@echo "  ROLLUP  $* (ops: $$(tr '\n' ' ' < $(BUILD)/$*/ops))"
	$(Q)cd $(ROOT) && XSML_APP=$* XSML_OPS=$(BUILD)/$*/ops XSML_OUT=$(@D) $(NODE_BIN)/rollup --silent -c hosts/stm32/rollup.config.mjs
$(foreach a,$(APPS),$(eval $(STM32_JS)/$(a)/$(a).js: $(STM32_JS)/$(a)/xsml-board.js ;))

# Flash and static RAM of every app (the numbers the tests check against the board's capacity):
# flash = code, read-only data, byte code, models, .data's image; static-ram = C stack, .data,
# .bss, arena (wherever ARENA put it); heap = what the linker script left to malloc (the XS heap).
report: $(APPS:%=$(BUILD)/%.elf)
	$(Q)for app in $(APPS); do printf '%s %s ' $(BOARD) $$app; $(SIZE) -A $(BUILD)/$$app.elf | \
		awk '/^\.(text|ARM|xsml_bytecode|xsml_models|data)/ { f += $$2 } /^\.(data|bss|stack|xsml_arena)/ { r += $$2 } \
		/^\.heap/ { h += $$2 } END { printf "flash %d static-ram %d heap %d\n", f, r, h }'; done

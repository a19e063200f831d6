# lazyview — build, test, bench, demo.
#
#   make          the C library (build/liblazyview.{a,so}) and the Python
#                 extension in place (runtime/lazyview/_core*.so)
#   make test     everything: C tests (plain and ASan/UBSan), Python tests
#   make demo     the main job on built-in defaults
#   make bench    ratio tables against NumPy/dask, same process
#   make docs     the API reference from the docstrings (build/docs, Sphinx,
#                 warnings are errors; make test builds it too)
#   make fuzz     libFuzzer targets and the atheris one, FUZZ_SECONDS each
#                 (default 60)
#
# A fresh Debian machine needs nothing installed by hand: `make deps` (run
# by the targets that need it) installs the Debian packages with apt-get and
# the Python packages into the project's own virtual environment (.venv).

SHELL := /bin/bash
CC ?= gcc
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
BUILD := build

CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT ?= -O2 -g
CFLAGS_CORE := $(CSTD) $(WARN) -fPIC -fvisibility=hidden -ffp-contract=off \
               -Isrc -Isrc/include -Icodegen
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

CORE_SRC := $(wildcard src/*.c)
CODEGEN_SRC := $(sort $(wildcard codegen/*.c) codegen/templates_gen.c)
TEMPLATES := $(wildcard codegen/templates/*.tmpl codegen/templates/*.py)
LIB_SRC := $(CORE_SRC) $(CODEGEN_SRC)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CHK_OBJ := $(LIB_SRC:%.c=$(BUILD)/chk/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
# Invariants (LVI_ASSERT, lvi_view_check) are live in the test, sanitizer
# and fuzz builds; the release library and the extension leave them out.
CHECKS := -DLV_CHECKS
HEADERS := $(wildcard src/*.h src/include/lazyview/*.h codegen/*.h)
EXTRA_DEPS := $(TEMPLATES)

CTEST_SRC := $(wildcard tests/c/test_*.c)
CTESTS := $(CTEST_SRC:tests/c/%.c=$(BUILD)/tests/%)
CTESTS_SAN := $(CTEST_SRC:tests/c/%.c=$(BUILD)/tests-san/%)

# cmocka for the C tests; clang for libFuzzer; Xvfb and the X/GL libraries
# Qt needs for headless napari.
APT_PKGS := libcmocka-dev clang libclang-rt-14-dev xvfb libgl1-mesa-dri libegl1 \
            libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0 \
            libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-xfixes0 \
            libxcb-shape0 libfontconfig1 libdbus-1-3
STAMP_APT := $(BUILD)/.apt-stamp
STAMP_VENV := $(VENV)/.stamp

.SECONDARY:

.PHONY: all lib ext test ctest ctest-san pytest pytest-san bench demo docs fuzz deps clean test-pythons

all: lib ext

lib: $(BUILD)/liblazyview.a $(BUILD)/liblazyview.so

# the templates and the portable helpers, compiled into the library
codegen/templates_gen.c: $(TEMPLATES) codegen/embed_templates.py
	@echo "  EMBED   $@"
	@$(PYTHON) codegen/embed_templates.py

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_CORE) $(OPT) -c $< -o $@

$(BUILD)/chk/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC-CHK  $<"
	@$(CC) $(CFLAGS_CORE) $(CHECKS) $(OPT) -c $< -o $@

$(BUILD)/san/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	@$(CC) $(CFLAGS_CORE) $(CHECKS) -O1 -g $(SAN) -c $< -o $@

$(BUILD)/liblazyview.a: $(LIB_OBJ)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/liblazyview-chk.a: $(CHK_OBJ)
	@echo "  AR      $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/liblazyview.so: $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC) -shared -o $@ $^ -lm -lpthread

TEST_HDRS := $(wildcard tests/c/*.h)

$(BUILD)/tests/%: tests/c/%.c $(BUILD)/liblazyview-chk.a $(TEST_HDRS) | $(STAMP_APT)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CSTD) $(WARN) $(CHECKS) -O1 -g -Isrc -Isrc/include -Icodegen -Itests/c $< \
	    $(BUILD)/liblazyview-chk.a -lcmocka -lm -lpthread -o $@

$(BUILD)/tests-san/%: tests/c/%.c $(SAN_OBJ) $(TEST_HDRS) | $(STAMP_APT)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CSTD) $(WARN) $(CHECKS) -O1 -g $(SAN) -Isrc -Isrc/include -Icodegen -Itests/c $< \
	    $(SAN_OBJ) -lcmocka -lm -lpthread -o $@

test: deps lib ext ctest ctest-san pytest pytest-san

pytest: ext lib
	$(PYTHON) codegen/embed_templates.py --check
	xvfb-run -a -s "-screen 0 1280x1024x24" $(VPY) -m pytest -q -W ignore::DeprecationWarning tests/py

# The Python tests once more against an ASan/UBSan build of the extension
# (LD_PRELOADed runtimes; leak checking is left to the C tests, since the
# interpreter itself keeps memory at exit).  napari is not run under ASan,
# nor are the packaging, typing, docs and README tests (they build and run
# other programs).
SAN_PY := $(BUILD)/san-py
ASAN_RT = $(shell $(CC) -print-file-name=libasan.so):$(shell $(CC) -print-file-name=libubsan.so)

pytest-san: ext
	@echo "  BUILD   $(SAN_PY) (extension under ASan+UBSan)"
	@mkdir -p $(SAN_PY)/lazyview
	@CC=$(CC) CFLAGS="-O1 -g $(SAN) $(CHECKS)" LDFLAGS="-fsanitize=address,undefined" \
	    $(VPY) setup.py -q build_ext --build-lib $(SAN_PY) --build-temp $(BUILD)/san-py-tmp \
	    >/dev/null 2>&1 || (echo "sanitizer build failed"; exit 1)
	@cp runtime/lazyview/*.py runtime/lazyview/*.pyi runtime/lazyview/py.typed \
	    runtime/lazyview/napari.yaml $(SAN_PY)/lazyview/
	@cp -r runtime/lazyview/include $(SAN_PY)/lazyview/
	LV_TEST_PACKAGE_DIR=$(SAN_PY) LD_PRELOAD=$(ASAN_RT) \
	    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(VPY) -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning tests/py \
	    --ignore=tests/py/test_napari.py --ignore=tests/py/test_packaging.py \
	    --ignore=tests/py/test_typing.py --ignore=tests/py/test_docs.py \
	    --ignore=tests/py/test_readme.py -k "not distributed"

# the wheel and the core tests on the other supported Pythons (pyenv's),
# each in its own venv with dependencies from PyPI (.ci/pythons.sh)
test-pythons:
	bash .ci/pythons.sh 3.12 3.13

demo: deps lib ext
	xvfb-run -a -s "-screen 0 1280x1024x24" $(VPY) -m lazyview.demo out

docs: deps ext
	$(VPY) -m sphinx -W --keep-going -q -b html docs/api $(BUILD)/docs
	@echo "  DOCS    $(BUILD)/docs/index.html"

bench: deps lib ext
	$(VPY) tests/bench/bench.py
	$(VPY) tests/bench/bench_kernels.py
	$(VPY) tests/bench/bench_napari.py
	$(VPY) tests/bench/bench_export.py

ctest: $(CTESTS)
	@set -e; for t in $(CTESTS); do echo "== $$t"; $$t; done

ctest-san: $(CTESTS_SAN)
	@set -e; for t in $(CTESTS_SAN); do echo "== $$t (ASan+UBSan)"; \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

# ------------------------------------------------------------ fuzzing

FUZZ_SECONDS ?= 60
FUZZERS := spec template ops dtype
FUZZ_BINS := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(HEADERS) | $(STAMP_APT)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@clang -g -O1 $(CHECKS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -Isrc -Isrc/include -Icodegen \
	    $< $(LIB_SRC) -lm -lpthread -o $@

# Each target runs FUZZ_SECONDS over a scratch copy of its committed corpus,
# from an empty directory (a fuzzed spec may name files); crashes land in
# build/fuzz/artifacts and fail the run.  fuzz_python (atheris, the Python
# face: lv.parse and op chains against NumPy) runs last, the same way.
fuzz: $(FUZZ_BINS) ext
	@set -eo pipefail; for f in $(FUZZERS); do \
	    work=$(BUILD)/fuzz/work-$$f; rm -rf $$work; mkdir -p $$work/corpus $(BUILD)/fuzz/artifacts; \
	    cp tests/fuzz/corpus/$$f/* $$work/corpus/; \
	    echo "== fuzz_$$f for $(FUZZ_SECONDS) s"; \
	    (cd $$work && ../fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -rss_limit_mb=4096 -print_final_stats=1 \
	        -artifact_prefix=$(CURDIR)/$(BUILD)/fuzz/artifacts/$$f- corpus 2>&1 \
	        | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR|SUMMARY)"); \
	done
	@set -eo pipefail; work=$(BUILD)/fuzz/work-python; rm -rf $$work; \
	    mkdir -p $$work/corpus $(BUILD)/fuzz/artifacts; cp tests/fuzz/corpus/python/* $$work/corpus/; \
	    echo "== fuzz_python for $(FUZZ_SECONDS) s"; \
	    (cd $$work && $(CURDIR)/$(VPY) $(CURDIR)/tests/fuzz/fuzz_python.py \
	        -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	        -print_final_stats=1 -artifact_prefix=$(CURDIR)/$(BUILD)/fuzz/artifacts/python- \
	        corpus 2>&1 | grep -E "^(Done|stat::number_of_executed_units|==.*ERROR|SUMMARY|=== Uncaught)")

# ------------------------------------------------------------ dependencies

deps: $(STAMP_APT) $(STAMP_VENV)

$(STAMP_APT):
	@mkdir -p $(BUILD)
	@if ! dpkg -s $(APT_PKGS) >/dev/null 2>&1; then \
	    echo "installing Debian packages: $(APT_PKGS)"; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PKGS); \
	fi
	@touch $@

$(STAMP_VENV): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r requirements-dev.txt
	@# torch for the DLPack test, only where its CPU wheel lies on this disk
	@# (pip's find-links, e.g. /opt/wheels): never a multi-GB download; its
	@# small dependencies come from the index.  Elsewhere the test skips.
	@if ls $${PIP_FIND_LINKS:-/opt/wheels}/torch-2.13.0*cpu*.whl >/dev/null 2>&1; then \
	    $(VPY) -m pip install -q torch==2.13.0 || true; fi
	@# an editable install registers the napari plugin's entry point
	$(VPY) -m pip install -q --no-build-isolation --no-deps -e .
	@touch $@

clean:
	rm -rf $(BUILD) runtime/lazyview/*.so runtime/*.egg-info

# ------------------------------------------------------------ the extension

EXT_STAMP := $(BUILD)/.ext-stamp
RUNTIME_SRC := $(wildcard runtime/*.c runtime/*.h)

ext: $(EXT_STAMP)

$(EXT_STAMP): $(LIB_SRC) $(HEADERS) $(RUNTIME_SRC) setup.py codegen/templates_gen.c | $(STAMP_VENV)
	$(VPY) setup.py -q build_ext --inplace --build-temp $(BUILD)/ext
	@touch $@

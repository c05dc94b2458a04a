# The kernel's kselftest harness, extracted from Debian's linux-source
# package at build time (never copied into the repository).
KSFT_TARBALL	= $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))

$(KSFT_HDRS):
	$(call msg,EXTRACT,$(KSFT_DIR))
	$(Q)test -n "$(KSFT_TARBALL)" || { echo "linux-source-*.tar.xz missing: run scripts/setup-deps" >&2; exit 1; }
	$(Q)mkdir -p $(KSFT_DIR)
	$(Q)top=$$(basename $(KSFT_TARBALL) .tar.xz); \
	tar -xJf $(KSFT_TARBALL) -C $(KSFT_DIR) --strip-components=4 \
		$$top/tools/testing/selftests/kselftest_harness.h \
		$$top/tools/testing/selftests/kselftest.h
	$(Q)touch $(KSFT_HDRS)

selftests: $(KSFT_HDRS)

# `make check`: dependency setup, build, then every selftest layer.
.PHONY: check selftests
check: deps
	$(Q)$(MAKE) --no-print-directory all selftests
	$(Q)BUILD=$(BUILD) selftests/run_all.sh $(CHECK_LAYERS)
selftests:

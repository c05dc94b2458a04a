# `make demo`: dependencies, build, then the product on a netns lab.
.PHONY: demo
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BUILD=$(BUILD) scripts/demo.sh

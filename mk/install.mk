# `make install`: programs, man pages, example config and the systemd unit.
# The BPF object is embedded in the programs (libbpf skeleton).
PREFIX		?= /usr/local
DESTDIR		?=
SBINDIR		:= $(DESTDIR)$(PREFIX)/sbin
MANDIR		:= $(DESTDIR)$(PREFIX)/share/man/man8

.PHONY: install
install: all
	install -d $(SBINDIR) $(MANDIR)
	install -m 0755 $(PROGS) $(SBINDIR)/
	install -m 0644 Documentation/man/*.8 $(MANDIR)/
	if [ -f packaging/fabric.conf.example ]; then \
		install -d -m 0755 $(DESTDIR)/etc/fabric; \
		[ -e $(DESTDIR)/etc/fabric/fabric.conf ] || \
			install -m 0644 packaging/fabric.conf.example $(DESTDIR)/etc/fabric/fabric.conf; \
	fi
	if [ -f packaging/fabricd.service ]; then \
		install -d $(DESTDIR)/etc/systemd/system; \
		install -m 0644 packaging/fabricd.service $(DESTDIR)/etc/systemd/system/; \
	fi

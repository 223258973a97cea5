# scripts/install/install.mk - `make install` / `make uninstall` and the
# system-integration checks (udev rules, systemd units, pkg-config, man pages).
# This folder holds what install puts on a lab machine besides the binaries:
# the systemd units, the pkg-config template, the default configuration and
# install-deps.sh; the udev rules stay in udev/.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [COMEDI_RULES=1]
#   make uninstall [same variables as install]
#
# Layout for PREFIX=/usr/local (the default) and PREFIX=/usr:
#   library, pkg-config   $(PREFIX)/lib, $(PREFIX)/lib/pkgconfig; for /usr
#                         Debian's multiarch /usr/lib/<triplet> (x86_64-linux-gnu)
#   headers               $(PREFIX)/include/fplate
#   fplated / fplate      $(PREFIX)/sbin / $(PREFIX)/bin (+ scripts/fplate-*)
#   their Python module   $(PREFIX)/share/fplate/python
#   Python package fplate /usr/lib/python3/dist-packages/fplate for /usr,
#                         $(PREFIX)/lib/python3.N/dist-packages/fplate else
#                         (both on /usr/bin/python3's path): import fplate.subscribe
#   udev rules            $(PREFIX)/lib/udev/rules.d, or /lib/udev/rules.d for /usr
#   systemd units         $(PREFIX)/lib/systemd/system, or /lib/systemd/system for /usr
#   configuration         /etc/fplate/fplate.conf (kept if it already exists)
#   manual pages          $(PREFIX)/share/man
# Both /usr/local/lib/udev/rules.d and /usr/local/lib/systemd/system are in
# udev's and systemd's search paths, so a /usr/local install works as is.
#
# With DESTDIR empty (a real install, as root) `make install` also creates
# the system group and user "fplate" when missing, runs ldconfig and asks
# udevd and systemd to reload. `make uninstall` keeps a configuration file
# that was edited, and the user and group (files may still belong to them).

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
SBINDIR      ?= $(PREFIX)/sbin
MULTIARCH    := $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR       ?= $(PREFIX)/lib$(if $(and $(filter /usr,$(PREFIX)),$(MULTIARCH)),/$(MULTIARCH))
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR       ?= $(PREFIX)/share/man
SYSCONFDIR   ?= /etc
SYSTEMROOT   := $(if $(filter /usr,$(PREFIX)),,$(PREFIX))
UDEVRULESDIR ?= $(SYSTEMROOT)/lib/udev/rules.d
UNITDIR      ?= $(SYSTEMROOT)/lib/systemd/system
COMEDI_RULES ?= 1

INSTALL      ?= install
FP_SCRIPTS    = $(filter-out %.mk %~,$(wildcard scripts/fplate-*))
# The technician scripts import these from $(PREFIX)/share/fplate/python
# (bin/../share/fplate/python, next to the scripts in the source tree).
FP_PYMODS     = $(wildcard scripts/fplatectl.py)
PYMODDIR     ?= $(PREFIX)/share/fplate/python
# The clients as an importable package for /usr/bin/python3.
FP_PYPKG      = $(wildcard scripts/subscribe.py scripts/fplatectl.py)
PYTHON3_VER  := $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
PYPKGDIR     ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYTHON3_VER)/dist-packages)/fplate
FP_HEADERS    = $(wildcard include/fplate/*.h)
FP_MAN        = $(wildcard docs/man/*.[1-8])
FP_RULES      = udev/60-fplate.rules $(if $(filter 1,$(COMEDI_RULES)),udev/61-fplate-comedi.rules)
FP_UNITS      = fplated.service fplated@.service
FP_SUBST      = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
                    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
                    -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
                    -e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES_PRIVATE@|$(PKGS)|g'
D             = $(DESTDIR)

CHECK_DEPS += groff-base=cmd:groff man-db=cmd:man systemd=cmd:systemd-analyze \
        udev=cmd:udevadm binutils=cmd:nm passwd=cmd:useradd

.PHONY: install uninstall install-check install-system-user

install: lib programs
	$(INSTALL) -d $(D)$(LIBDIR) $(D)$(PKGCONFIGDIR) $(D)$(INCLUDEDIR)/fplate \
		$(D)$(BINDIR) $(D)$(SBINDIR) $(D)$(UDEVRULESDIR) $(D)$(UNITDIR) \
		$(D)$(SYSCONFDIR)/fplate
	$(INSTALL) -m 0755 $(LIB_SO) $(D)$(LIBDIR)/
	ln -sf libfplate.so.$(VERSION) $(D)$(LIBDIR)/libfplate.so.$(SOVERSION)
	ln -sf libfplate.so.$(SOVERSION) $(D)$(LIBDIR)/libfplate.so
	$(INSTALL) -m 0644 $(LIB_A) $(D)$(LIBDIR)/
	$(INSTALL) -m 0644 $(FP_HEADERS) $(D)$(INCLUDEDIR)/fplate/
	$(FP_SUBST) scripts/install/libfplate.pc.in > $(D)$(PKGCONFIGDIR)/libfplate.pc
	chmod 0644 $(D)$(PKGCONFIGDIR)/libfplate.pc
	$(if $(filter %/fplated,$(PROGRAMS)),$(INSTALL) -m 0755 $(BUILD)/fplated $(D)$(SBINDIR)/)
	$(if $(filter %/fplate,$(PROGRAMS)),$(INSTALL) -m 0755 $(BUILD)/fplate $(D)$(BINDIR)/)
	$(if $(FP_SCRIPTS),$(INSTALL) -m 0755 $(FP_SCRIPTS) $(D)$(BINDIR)/)
	$(if $(FP_PYMODS),$(INSTALL) -d $(D)$(PYMODDIR) && $(INSTALL) -m 0644 $(FP_PYMODS) $(D)$(PYMODDIR)/)
	$(if $(FP_PYPKG),$(INSTALL) -d $(D)$(PYPKGDIR) && $(INSTALL) -m 0644 $(FP_PYPKG) $(D)$(PYPKGDIR)/ && \
		$(INSTALL) -m 0644 scripts/install/python_init.py $(D)$(PYPKGDIR)/__init__.py)
	$(INSTALL) -m 0644 $(FP_RULES) $(D)$(UDEVRULESDIR)/
	for u in $(FP_UNITS); do \
		$(FP_SUBST) scripts/install/$$u.in > $(D)$(UNITDIR)/$$u && chmod 0644 $(D)$(UNITDIR)/$$u || exit 1; \
	done
	@# An existing configuration is the lab's: never overwrite it.
	if [ -e $(D)$(SYSCONFDIR)/fplate/fplate.conf ]; then \
		echo "install: keeping existing $(D)$(SYSCONFDIR)/fplate/fplate.conf"; \
	else \
		$(INSTALL) -m 0644 scripts/install/fplate.conf $(D)$(SYSCONFDIR)/fplate/fplate.conf; \
	fi
	for m in $(FP_MAN); do \
		s=$${m##*.}; $(INSTALL) -d $(D)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$m $(D)$(MANDIR)/man$$s/ || exit 1; \
	done
	$(if $(DESTDIR),,@$(MAKE) --no-print-directory install-system-user)

# Only for a real install (DESTDIR empty): system accounts and reloads.
install-system-user:
	getent group fplate >/dev/null || groupadd --system fplate
	getent passwd fplate >/dev/null || useradd --system --gid fplate \
		--home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \
		--comment "fplate acquisition daemon" fplate
	-ldconfig
	-if [ -S /run/udev/control ]; then udevadm control --reload; fi
	-if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

uninstall:
	rm -f $(D)$(LIBDIR)/libfplate.so.$(VERSION) $(D)$(LIBDIR)/libfplate.so.$(SOVERSION) \
		$(D)$(LIBDIR)/libfplate.so $(D)$(LIBDIR)/libfplate.a \
		$(D)$(PKGCONFIGDIR)/libfplate.pc
	rm -f $(addprefix $(D)$(INCLUDEDIR)/fplate/,$(notdir $(FP_HEADERS)))
	-rmdir $(D)$(INCLUDEDIR)/fplate
	rm -f $(D)$(SBINDIR)/fplated $(D)$(BINDIR)/fplate \
		$(addprefix $(D)$(BINDIR)/,$(notdir $(FP_SCRIPTS)))
	rm -rf $(addprefix $(D)$(PYMODDIR)/,$(notdir $(FP_PYMODS)) __pycache__)
	-rmdir $(D)$(PYMODDIR) $(dir $(D)$(PYMODDIR)) 2>/dev/null || true
	rm -rf $(D)$(PYPKGDIR)
	-rmdir -p $(dir $(D)$(PYPKGDIR)) 2>/dev/null || true
	rm -f $(D)$(UDEVRULESDIR)/60-fplate.rules $(D)$(UDEVRULESDIR)/61-fplate-comedi.rules
	rm -f $(addprefix $(D)$(UNITDIR)/,$(FP_UNITS))
	@# Folders install may have created under PREFIX, only when left empty.
	-rmdir $(D)$(UDEVRULESDIR) $(D)$(UNITDIR) 2>/dev/null || true
	-rmdir $(dir $(D)$(UDEVRULESDIR)) $(dir $(D)$(UNITDIR)) 2>/dev/null || true
	for m in $(notdir $(FP_MAN)); do rm -f $(D)$(MANDIR)/man$${m##*.}/$$m; done
	@# Remove the configuration only if it is still the default.
	if cmp -s scripts/install/fplate.conf $(D)$(SYSCONFDIR)/fplate/fplate.conf; then \
		rm -f $(D)$(SYSCONFDIR)/fplate/fplate.conf; \
		rmdir $(D)$(SYSCONFDIR)/fplate 2>/dev/null || true; \
	elif [ -e $(D)$(SYSCONFDIR)/fplate/fplate.conf ]; then \
		echo "uninstall: keeping edited $(D)$(SYSCONFDIR)/fplate/fplate.conf"; \
	fi
	$(if $(DESTDIR),,-ldconfig)

# The install tests (also run by `make integration`): file list, modes,
# soname links, exported symbols, pkg-config consumer, man pages, units.
install-check: lib programs
	BUILD=$(BUILD) sh tests/integration/test_install.sh

# The udev_* and systemd_* VM cases load fplate.ko and use the files of
# `make install PREFIX=/usr` staged in $(BUILD)/vm/install (files.d lists).
VM_PREREQS += module vm-install
.PHONY: vm-install
vm-install: lib programs
	@rm -rf $(BUILD)/vm/install
	@$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(BUILD)/vm/install PREFIX=/usr

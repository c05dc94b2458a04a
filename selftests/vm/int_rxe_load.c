// SPDX-License-Identifier: GPL-2.0
/*
 * int-rxe-load: `bpftool prog loadall OBJ DIR pinmaps DIR/maps`, but only
 * for the programs named: the others of the object are not loaded. The
 * guest INT test (selftests/vm/guest/test_int_rxe.sh) uses it when
 * bpftool's loadall is refused because of a program it does not need
 * (fabric_probe_judge, a sleepable syscall program with a spin lock, which
 * 6.1 rejects). Attaching and settings stay with ip, tc and bpftool.
 *   int-rxe-load OBJ DIR PROG...
 * Pins each PROG as DIR/PROG and every map as DIR/maps/<name> (the names
 * bpftool's pinmaps gives). Exit 0, or 1 with the reason on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

static int wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 3; i < argc; i++)
		if (!strcmp(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	char path[4096];
	int err, found = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: int-rxe-load OBJ DIR PROG...\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "int-rxe-load: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		int me = wanted(bpf_program__name(p), argc, argv);

		bpf_program__set_autoload(p, me);
		found += me;
	}
	if (found != argc - 3) {
		fprintf(stderr, "int-rxe-load: %d of %d programs found in %s\n",
			found, argc - 3, argv[1]);
		goto fail;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "int-rxe-load: load %s: %d\n", argv[1], err);
		goto fail;
	}
	mkdir(argv[2], 0700);
	snprintf(path, sizeof(path), "%s/maps", argv[2]);
	err = bpf_object__pin_maps(obj, path);
	if (err) {
		fprintf(stderr, "int-rxe-load: pin maps in %s: %d\n", path, err);
		goto fail;
	}
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[2], bpf_program__name(p));
		err = bpf_program__pin(p, path);
		if (err) {
			fprintf(stderr, "int-rxe-load: pin %s: %d\n", path, err);
			goto fail;
		}
	}
	bpf_object__close(obj);
	return 0;
fail:
	bpf_object__close(obj);
	return 1;
}

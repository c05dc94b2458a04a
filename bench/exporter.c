// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/exporter: cost of the Prometheus exporter at 100k and 1M tracked
 * flows. The data path is loaded with a 1M-flow table (pinned in a private
 * directory) and the table is filled by writing slots through a writable
 * mmap of the BPF_F_MMAPABLE array, at the set the data path would use.
 *
 * Measured, in one run:
 *  - render_ms: fabric_metrics_render() in this process (median of 20);
 *  - read_ms: one windowed pass over the table that only counts flows,
 *    the floor of a render (median of 20);
 *  - scrape_ms: a full HTTP GET /metrics against an exporter process
 *    (median of 20) - this is the number on the final line;
 *  - the exporter process's peak RSS during the 1M-flow scrapes (VmHWM,
 *    reset through /proc/PID/clear_refs just before them), its RSS at
 *    idle afterwards (VmRSS, split into private and file-backed memory:
 *    the window of the flow table being read counts as file-backed), and
 *    its CPU use over 10 s without scrapes.
 * The exporter process is build/fabricd when it is built (it reuses the
 * pinned, filled maps and attaches to a veth in a private netns, which this
 * process joins), otherwise - or with FABRIC_BENCH_EXPORTER=dump -
 * build/fabric-metrics-dump --serve, which runs the same exporter code over
 * the same maps without the rest of the daemon. The output says which.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric_dp.h"
#include "flow_hash.h"
#include "flow_window.h"
#include "log.h"
#include "metrics.h"

#define TABLE_FLOWS	1048576
#define RUNS		20
#define IDLE_S		10
#define TX_FLOWS	4096
#define PORTS		4

static char pin_dir[128], netns[64], conf[128], sock[128];
static struct fabric_dp *dp;
static pid_t server = -1;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rnd(void)
{
	/* xorshift64*: reproducible numbers without libc state */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void make_key(__u32 i, struct fabric_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->qp_family = ((0x100 + (i & 0xffff)) << 8) | FABRIC_AF_INET;
	k->src[10] = k->src[11] = 0xff;
	k->src[12] = 10;
	k->src[13] = i >> 16;
	k->src[14] = i >> 8;
	k->src[15] = i;
	k->dst[10] = k->dst[11] = 0xff;
	k->dst[12] = 10;
	k->dst[13] = 200;
	k->dst[14] = (i >> 4) & 0xff;
	k->dst[15] = 1;
}

/* A way of a set: its hot slot, its cold half, its ownership word. */
struct slot_ref {
	struct fabric_flow_slot	*hot;
	struct fabric_flow_cold	*cold;
	__u32			*own;
};

static __u32 key_hash(const struct fabric_flow_key *k)
{
	return fabric_flow_hash_seeded(k, dp->maps.hash_seed);
}

static bool free_way(struct fabric_flow_set *set, __u32 w, struct slot_ref *r)
{
	if (fabric_own_tag(set->slot[w].own) != FABRIC_TAG_EMPTY)
		return false;
	r->hot = &set->slot[w];
	r->cold = &set->cold[w];
	r->own = &set->slot[w].own;
	return true;
}

static __u32 own_word(__u32 hash)
{
	return fabric_flow_tag(hash) << FABRIC_OWN_TAG_SHIFT;
}

/* Fill n flows where the data path would put them; returns keys tried. */
static __u64 fill(struct fabric_flow_set *sets, __u32 nsets, __u32 n,
		  struct fabric_flow_key *first_keys, __u32 nfirst)
{
	__u64 now = (__u64)now_ms() * 1000000ULL;
	__u32 placed = 0, i = 0, w;

	memset(sets, 0, (size_t)nsets * sizeof(*sets));
	while (placed < n) {
		struct fabric_flow_key k;
		struct fabric_flow_set *set;
		struct slot_ref r;
		__u32 h;

		make_key(i++, &k);
		h = key_hash(&k);
		set = &sets[fabric_flow_set_index(h, nsets - 1)];
		for (w = 0; w < FABRIC_FLOW_WAYS; w++)
			if (free_way(set, w, &r))
				break;
		if (w == FABRIC_FLOW_WAYS)
			continue;
		r.hot->key = k;
		r.hot->bytes = 1 + rnd() % 1000000000ULL;
		r.hot->packets = r.hot->bytes / 1024 + 1;
		r.cold->first_seen_ns = now - 60000000000ULL;
		r.hot->last_seen_ns = now - rnd() % 60000000000ULL;
		if (rnd() % 100 < 5)
			r.hot->ce = rnd() % 10000;
		if (rnd() % 100 < 2)
			r.hot->cnp = rnd() % 1000;
		if (rnd() % 100 < 1) {
			r.cold->psn_gaps = rnd() % 100;
			r.cold->psn_missing = r.cold->psn_gaps * 2;
		}
		r.hot->acks = r.hot->packets / 8;
		__atomic_store_n(r.own, own_word(h), __ATOMIC_RELEASE);
		if (placed < nfirst)
			first_keys[placed] = k;
		placed++;
	}
	return i;
}

static int count_flow(const struct fabric_flow *f, void *ctx)
{
	(*(__u64 *)ctx)++;
	return 0;
}

static int add_tx(const struct fabric_flow_key *keys, __u32 n)
{
	struct fabric_tx_flow tf = { .packets = 10, .bytes = 10240 };
	__u32 i;

	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(dp->maps.tx_flows_fd, &keys[i], &tf, BPF_ANY))
			return -errno;
	return 0;
}

static int add_ports(void)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	struct fabric_port_counters *pc = calloc(ncpu, sizeof(*pc));
	__u32 ifindex;

	if (!pc)
		return -ENOMEM;
	for (ifindex = 1; ifindex <= PORTS && !err; ifindex++) {
		for (cpu = 0; cpu < ncpu; cpu++) {
			pc[cpu].rx_packets = 1000 * ifindex;
			pc[cpu].rx_bytes = 1000000 * ifindex;
			pc[cpu].rx_last_ns = (__u64)now_ms() * 1000000ULL;
		}
		if (bpf_map_update_elem(dp->maps.ports_fd, &ifindex, pc, BPF_ANY))
			err = -errno;
	}
	free(pc);
	return err;
}

/* One HTTP GET /metrics; returns body+header bytes or -1. */
static long http_get(unsigned int port, char *buf, size_t len)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
				  "Connection: close\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long total = 0;
	ssize_t r;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, sizeof(req) - 1) != sizeof(req) - 1) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, len)) > 0) {
		if (!total && strncmp(buf, "HTTP/1.1 200", 12)) {
			total = -1;
			break;
		}
		total += r;
	}
	close(fd);
	return total;
}

static long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Restart VmHWM from the current RSS (Linux >= 4.0). */
static int reset_hwm(pid_t pid)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static long long proc_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')');	/* comm may contain spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return ut + st;
}

/* fabric-metrics-dump --serve: reads "listening port=N" from its stdout. */
static unsigned int start_dump(const char *tool)
{
	char line[128] = "";
	unsigned int port = 0;
	int pfd[2];
	FILE *f;

	if (pipe(pfd))
		return 0;
	server = fork();
	if (server < 0)
		return 0;
	if (!server) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execl(tool, tool, "--pin-dir", pin_dir, "--serve", "127.0.0.1:0",
		      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (f && fgets(line, sizeof(line), f))
		sscanf(line, "listening port=%u", &port);
	if (f)
		fclose(f);
	return port;
}

static int run(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* A private netns with a veth for fabricd to attach to; we join it too. */
static int enter_netns(void)
{
	char cmd[512], path[128];
	int fd;

	snprintf(netns, sizeof(netns), "fabbench-%d", getpid());
	snprintf(cmd, sizeof(cmd),
		 "ip netns add %s && ip -n %s link set lo up && "
		 "ip -n %s link add fb0 type veth peer name fb1 && "
		 "ip -n %s link set fb0 up && ip -n %s link set fb1 up",
		 netns, netns, netns, netns, netns);
	if (run(cmd))
		return -1;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static unsigned int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	unsigned int port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !getsockname(fd, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static long http_get(unsigned int port, char *buf, size_t len);

/* fabricd over the pinned maps; returns its exporter port or 0. */
static unsigned int start_fabricd(const char *fabricd)
{
	unsigned int port = free_port();
	char body[4096];
	int i, fd;
	FILE *f;

	snprintf(conf, sizeof(conf), "/tmp/fabbench-%d.conf", getpid());
	snprintf(sock, sizeof(sock), "/tmp/fabbench-%d.sock", getpid());
	f = fopen(conf, "w");
	if (!f || !port)
		return 0;
	fprintf(f, "[node]\nid = 1\n[datapath]\ninterfaces = fb0\n"
		"flows = %u\npin_dir = %s\n[exporter]\nlisten = 127.0.0.1:%u\n"
		"top_k = %u\n[control]\nsocket = %s\n", TABLE_FLOWS, pin_dir,
		port, FABRIC_METRICS_DEFAULT_TOP_K, sock);
	fclose(f);
	server = fork();
	if (server < 0)
		return 0;
	if (!server) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(fabricd, fabricd, "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (http_get(port, body, sizeof(body)) > 0)
			return port;
		if (waitpid(server, NULL, WNOHANG) == server) {
			server = -1;
			return 0;
		}
		usleep(100000);
	}
	return 0;
}

static void cleanup(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
	if (dp) {
		fabric_dp_close(dp);
		dp = NULL;
	}
	if (pin_dir[0])
		fabric_unpin(pin_dir);
	if (netns[0]) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ip netns del %s", netns);
		if (run(cmd))
			fprintf(stderr, "exporter: could not delete netns %s\n", netns);
		netns[0] = '\0';
	}
	if (conf[0])
		unlink(conf);
	if (sock[0])
		unlink(sock);
}

static void on_signal(int sig)
{
	cleanup();
	_exit(1);
}

int main(int argc, char **argv)
{
	static const __u32 sizes[] = { 100000, 1000000 };
	struct fabric_metrics_src src = { .version = "bench", .executor = "fabricd" };
	char exe[PATH_MAX], tool[PATH_MAX + 32], fabricd[PATH_MAX + 32], *body;
	const char *mode = getenv("FABRIC_BENCH_EXPORTER"), *which;
	double render[RUNS], scrape[RUNS], copy[RUNS], scrape_ms = 0;
	struct fabric_flow_window win = {};
	struct fabric_flow_key *first;
	struct fabric_metrics_buf b;
	struct fabric_dp_opts opts;
	struct fabric_flow_set *w;
	unsigned int port, s;
	long long t0, t1;
	long rss, anon, file, hwm = -1;
	ssize_t n;
	int i, err;

	if (geteuid()) {
		fprintf(stderr, "exporter: needs root (BPF maps)\n");
		return 1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';	/* the build/bench directory */
	snprintf(tool, sizeof(tool), "%s/../fabric-metrics-dump", exe);
	snprintf(fabricd, sizeof(fabricd), "%s/../fabricd", exe);
	if (access(tool, X_OK)) {
		fprintf(stderr, "exporter: %s missing: run make first\n", tool);
		return 1;
	}

	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/fabric-bench-exporter-%d",
		 getpid());
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	atexit(cleanup);
	fabric_dp_opts_init(&opts);
	opts.flows = TABLE_FLOWS;
	opts.pin_dir = pin_dir;
	err = fabric_dp_load(&opts, &dp);
	if (err) {
		fprintf(stderr, "exporter: loading the data path failed: %s\n",
			strerror(-err));
		return 1;
	}
	w = mmap(NULL, dp->maps.sets_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp->maps.flows_fd, 0);
	first = calloc(TX_FLOWS, sizeof(*first));
	body = malloc(1 << 20);
	if (w == MAP_FAILED || !first || !body) {
		fprintf(stderr, "exporter: writable flow-table mapping: %s\n",
			strerror(errno));
		return 1;
	}
	if (add_ports())
		fprintf(stderr, "exporter: could not add port entries\n");
	port = 0;
	which = "fabricd";
	if ((!mode || strcmp(mode, "dump")) && !access(fabricd, X_OK)) {
		if (enter_netns())
			fprintf(stderr, "exporter: cannot set up a netns for fabricd\n");
		else
			port = start_fabricd(fabricd);
		if (!port)
			fprintf(stderr, "exporter: fabricd did not start, using %s --serve\n",
				tool);
	}
	if (!port) {
		which = "fabric-metrics-dump --serve";
		port = start_dump(tool);
	}
	if (!port) {
		fprintf(stderr, "exporter: %s --serve did not start\n", tool);
		return 1;
	}
	printf("table: %u sets x %d ways = %u slots (%zu MiB)\n", dp->maps.nsets,
	       FABRIC_FLOW_WAYS, dp->maps.nsets * FABRIC_FLOW_WAYS,
	       dp->maps.sets_len >> 20);
	printf("exporter process: %s (pid %d, port %u)\n", which, server, port);

	/* render in this process the way the exporter does: windowed */
	fabric_maps_unmap_flows(&dp->maps);
	src.maps = &dp->maps;
	src.top_k = FABRIC_METRICS_DEFAULT_TOP_K;
	fabric_metrics_buf_init(&b);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		double t;
		__u64 tried = fill(w, dp->maps.nsets, sizes[s], first, TX_FLOWS);
		long bytes = 0;

		err = add_tx(first, TX_FLOWS);
		if (err)
			fprintf(stderr, "exporter: tx map fill: %s\n", strerror(-err));
		for (i = 0; i < RUNS; i++) {
			t = now_ms();
			err = fabric_metrics_render(&src, &b);
			render[i] = now_ms() - t;
			if (err) {
				fprintf(stderr, "exporter: render: %s\n", strerror(-err));
				return 1;
			}
		}
		/* the part of a render that only reads the table */
		for (i = 0; i < RUNS; i++) {
			__u64 live = 0;

			t = now_ms();
			err = fabric_flow_window_read(&dp->maps, &win, count_flow, &live);
			copy[i] = now_ms() - t;
			if (err) {
				fprintf(stderr, "exporter: window read: %s\n", strerror(-err));
				return 1;
			}
		}
		if (!strstr(b.data, "\nfabric_flows_tracked ")) {
			fprintf(stderr, "exporter: output lacks fabric_flows_tracked\n");
			return 1;
		}
		if (s == sizeof(sizes) / sizeof(sizes[0]) - 1 && reset_hwm(server))
			fprintf(stderr, "exporter: cannot reset VmHWM of %d\n", server);
		for (i = 0; i < RUNS; i++) {
			t = now_ms();
			bytes = http_get(port, body, 1 << 20);
			scrape[i] = now_ms() - t;
			if (bytes < 0) {
				fprintf(stderr, "exporter: HTTP scrape failed\n");
				return 1;
			}
		}
		scrape_ms = median(scrape, RUNS);
		t = median(render, RUNS);
		printf("flows=%u (keys tried %llu) render_ms=%.2f (min %.2f max %.2f) "
		       "read_ms=%.2f scrape_ms=%.2f body_kb=%ld\n", sizes[s],
		       (unsigned long long)tried, t, render[0],
		       render[RUNS - 1], median(copy, RUNS), scrape_ms, bytes >> 10);
	}
	fabric_metrics_buf_free(&b);
	fabric_flow_window_free(&win);

	hwm = proc_status_kb(server, "VmHWM");
	rss = proc_status_kb(server, "VmRSS");
	anon = proc_status_kb(server, "RssAnon");
	file = proc_status_kb(server, "RssFile");
	t0 = proc_cpu_ticks(server);
	sleep(IDLE_S);
	t1 = proc_cpu_ticks(server);
	if (rss < 0 || hwm < 0 || t0 < 0 || t1 < 0) {
		fprintf(stderr, "exporter: cannot read /proc/%d\n", server);
		return 1;
	}
	printf("exporter process rss: peak during the 1M scrapes (VmHWM) %ld KiB; "
	       "idle VmRSS %ld KiB = RssAnon %ld KiB (private) + RssFile %ld KiB "
	       "(binaries, mapped flow table if any) + shmem\n",
	       hwm, rss, anon, file);
	printf("idle: %lld ticks over %d s (CLK_TCK %ld)\n", t1 - t0, IDLE_S,
	       sysconf(_SC_CLK_TCK));
	printf("exporter: flows=%u scrape_ms=%.2f rss_mb=%.1f rss_scrape_mb=%.1f "
	       "idle_cpu_pct=%.2f\n",
	       sizes[1], scrape_ms, rss / 1024.0, hwm / 1024.0,
	       100.0 * (t1 - t0) / sysconf(_SC_CLK_TCK) / IDLE_S);
	return 0;
}

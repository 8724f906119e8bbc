// SPDX-License-Identifier: GPL-2.0
/*
 * m2u-send: the traffic source of 'make bench' (see tools/bench/vm-bench).
 *
 * Sends prebuilt Ethernet frames on one interface through an AF_PACKET
 * SOCK_RAW socket, in batches of sendmmsg():
 *
 *   data    N IPv4/UDP frames to a multicast group (or, with --dst-mac, to a
 *           unicast MAC), a sequence number at the start of the payload
 *   report  IGMPv2 membership reports from H hosts (distinct source MACs and
 *           IPs) for G groups: for each group, for each host
 *   query   N IGMPv2 general queries to 224.0.0.1, as a querier would send
 *
 * With --wait-rx FILE DELTA it reads the counter in FILE (a sysfs statistics
 * file, possibly of another network namespace, handed over as /dev/fd/N)
 * before sending and then polls it until it has grown by DELTA: the time
 * printed by --time then covers sending and every delivery. With --marker MAC
 * one unicast frame to MAC follows the reports, so that a counter on the far
 * side rises only once everything before it has been processed.
 *
 * Prints nothing on success except, with --time, the elapsed seconds, and
 * with --busy also the seconds the CPUs were not idle meanwhile (from the
 * idle and iowait times in /proc/stat): time a sender spends asleep waiting
 * for the backlog to drain is not work the kernel did.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX	1024
#define ETH_HLEN_	14
#define IP_HLEN		20
#define IP_HLEN_RA	24	/* with the Router Alert option */
#define UDP_HLEN	8
#define IGMP_LEN	8
#define FRAME_MIN	60	/* ETH_ZLEN: the shortest frame on the wire */
#define PAYLOAD_MAX	(1500 - IP_HLEN - UDP_HLEN)

enum mode { MODE_DATA, MODE_REPORT, MODE_QUERY };

struct opts {
	enum mode mode;
	const char *ifname;
	unsigned long count;
	unsigned int payload;
	unsigned int batch;
	unsigned int hosts;
	unsigned int groups;
	uint8_t src_mac[6];
	int have_src_mac;
	uint8_t dst_mac[6];
	int have_dst_mac;
	uint8_t marker_mac[6];
	int have_marker;
	uint32_t group;		/* host order */
	uint32_t src_ip;	/* host order */
	const char *wait_file;
	unsigned long long wait_delta;
	double timeout;
	int print_time;
	int print_busy;
};

static const char *prog = "m2u-send";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s data   -i IFACE [options]\n"
"       %s report -i IFACE [options]\n"
"       %s query  -i IFACE [options]\n"
"\n"
"data: IPv4/UDP frames (ports 5000 -> 5004, UDP checksum 0) to a multicast\n"
"group, a big-endian sequence number at the start of the payload.\n"
"  -n, --count N          frames to send (default 1000)\n"
"  -s, --size P           UDP payload bytes, 4..%d (default 1316)\n"
"  --group ADDR           destination group (default 239.1.1.1); the\n"
"                         destination MAC is mapped from it\n"
"  --dst-mac MAC          send to this unicast MAC instead (IP dst stays)\n"
"  --src-ip ADDR          IPv4 source (default 10.0.0.1)\n"
"\n"
"report: IGMPv2 membership reports, for each group, for each host; host h\n"
"(1-based) has MAC 02:00:00:aa:HH:LL (h in the low bytes), IP 10.128.0.0+h.\n"
"  --hosts H              reporting hosts, 1..65535 (default 1)\n"
"  --groups G             groups (default 1)\n"
"  --first-group ADDR     first group (default 239.2.0.0); then +1, +2...\n"
"  --marker MAC           then send one unicast frame to MAC, from the\n"
"                         interface's own MAC\n"
"\n"
"query: IGMPv2 general queries (maximum response time 10 s) to 224.0.0.1,\n"
"from the interface's MAC and --src-ip.\n"
"  -n, --count N          queries to send (default 1000)\n"
"\n"
"common:\n"
"  -i, --dev IFACE        interface to send on (required)\n"
"  --src-mac MAC          source MAC of data frames (default the interface's)\n"
"  --batch B              frames per sendmmsg() call, 1..%d (default 32)\n"
"  --wait-rx FILE DELTA   read the counter in FILE before sending, then wait\n"
"                         until it has grown by DELTA (e.g. /dev/fd/9 opened\n"
"                         on .../statistics/rx_packets in another netns)\n"
"  --timeout SEC          give up waiting after SEC seconds (default 60)\n"
"  --time                 print the elapsed seconds (send, then wait)\n"
"  --busy                 with --time, also print the seconds the CPUs were\n"
"                         busy meanwhile (elapsed minus idle and iowait)\n"
"  -h, --help             this text\n",
		prog, prog, prog, PAYLOAD_MAX, BATCH_MAX);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static unsigned long parse_ulong(const char *opt, const char *s,
				 unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		die("%s: '%s' is not a number in %lu..%lu", opt, s, min, max);
	return v;
}

static void parse_mac(const char *opt, const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		die("%s: '%s' is not a MAC address", opt, s);
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			die("%s: '%s' is not a MAC address", opt, s);
		mac[i] = b[i];
	}
}

static uint32_t parse_ip(const char *opt, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("%s: '%s' is not an IPv4 address", opt, s);
	return ntohl(a.s_addr);
}

static void check_group(uint32_t g)
{
	if ((g >> 28) != 0xe)
		die("group %u.%u.%u.%u is not an IPv4 multicast address",
		    g >> 24, (g >> 16) & 0xff, (g >> 8) & 0xff, g & 0xff);
	if ((g & 0xffffff00) == 0xe0000000)
		die("group %u.%u.%u.%u is link-local (224.0.0.x): not snooped",
		    g >> 24, (g >> 16) & 0xff, (g >> 8) & 0xff, g & 0xff);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->count = 1000;
	o->payload = 1316;
	o->batch = 32;
	o->hosts = 1;
	o->groups = 1;
	o->timeout = 60;

	if (argc < 2) {
		usage(stderr);
		exit(2);
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		exit(0);
	}
	if (!strcmp(argv[1], "data")) {
		o->mode = MODE_DATA;
		o->group = 0xef010101;		/* 239.1.1.1 */
	} else if (!strcmp(argv[1], "report")) {
		o->mode = MODE_REPORT;
		o->group = 0xef020000;		/* 239.2.0.0 */
	} else if (!strcmp(argv[1], "query")) {
		o->mode = MODE_QUERY;
	} else {
		fprintf(stderr, "%s: unknown mode '%s'\n", prog, argv[1]);
		usage(stderr);
		exit(2);
	}
	o->src_ip = 0x0a000001;			/* 10.0.0.1 */

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		/* every option but the flags takes one value, --wait-rx two */
		int need = 1;

		if (!strcmp(a, "--time") || !strcmp(a, "--busy") ||
		    !strcmp(a, "-h") || !strcmp(a, "--help"))
			need = 0;
		else if (!strcmp(a, "--wait-rx"))
			need = 2;
		if (i + need >= argc)
			die("%s needs %d value%s", a, need, need > 1 ? "s" : "");

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--time")) {
			o->print_time = 1;
		} else if (!strcmp(a, "--busy")) {
			o->print_busy = 1;
		} else if (!strcmp(a, "-i") || !strcmp(a, "--dev")) {
			o->ifname = argv[i + 1];
		} else if (!strcmp(a, "-n") || !strcmp(a, "--count")) {
			o->count = parse_ulong(a, argv[i + 1], 1, 1UL << 40);
		} else if (!strcmp(a, "-s") || !strcmp(a, "--size")) {
			o->payload = parse_ulong(a, argv[i + 1], 4, PAYLOAD_MAX);
		} else if (!strcmp(a, "--batch")) {
			o->batch = parse_ulong(a, argv[i + 1], 1, BATCH_MAX);
		} else if (!strcmp(a, "--hosts")) {
			o->hosts = parse_ulong(a, argv[i + 1], 1, 65535);
		} else if (!strcmp(a, "--groups")) {
			o->groups = parse_ulong(a, argv[i + 1], 1, 1UL << 24);
		} else if (!strcmp(a, "--group") || !strcmp(a, "--first-group")) {
			o->group = parse_ip(a, argv[i + 1]);
		} else if (!strcmp(a, "--src-ip")) {
			o->src_ip = parse_ip(a, argv[i + 1]);
		} else if (!strcmp(a, "--src-mac")) {
			parse_mac(a, argv[i + 1], o->src_mac);
			o->have_src_mac = 1;
		} else if (!strcmp(a, "--dst-mac")) {
			parse_mac(a, argv[i + 1], o->dst_mac);
			o->have_dst_mac = 1;
		} else if (!strcmp(a, "--marker")) {
			parse_mac(a, argv[i + 1], o->marker_mac);
			o->have_marker = 1;
		} else if (!strcmp(a, "--wait-rx")) {
			o->wait_file = argv[i + 1];
			o->wait_delta = parse_ulong(a, argv[i + 2], 0, ~0UL);
		} else if (!strcmp(a, "--timeout")) {
			o->timeout = parse_ulong(a, argv[i + 1], 1, 86400);
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, a);
			usage(stderr);
			exit(2);
		}
		i += need;
	}

	if (!o->ifname)
		die("no interface given (-i IFACE)");
	if (o->print_busy && !o->print_time)
		die("--busy needs --time");
	if (o->mode != MODE_QUERY)
		check_group(o->group);
	if (o->mode == MODE_REPORT) {
		if (o->group + (uint64_t)o->groups - 1 > 0xefffffff)
			die("--groups %u from --first-group runs past 239.255.255.255",
			    o->groups);
		check_group(o->group + o->groups - 1);
	}
}

/* The Internet checksum (RFC 1071) of len bytes, len even. */
static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void mcast_mac(uint32_t group, uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (group >> 16) & 0x7f;
	mac[4] = group >> 8;
	mac[5] = group;
}

static uint8_t *put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6])
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, ETH_P_IP);
	return p + ETH_HLEN_;
}

/* An IPv4 header, with the Router Alert option if ra; checksum filled in. */
static uint8_t *put_ip(uint8_t *p, uint32_t saddr, uint32_t daddr,
		       uint8_t proto, uint8_t ttl, unsigned int l4len, int ra)
{
	unsigned int hlen = ra ? IP_HLEN_RA : IP_HLEN;

	memset(p, 0, hlen);
	p[0] = 0x40 | (hlen / 4);
	p[1] = ra ? 0xc0 : 0;		/* IGMP: internetwork control */
	put16(p + 2, hlen + l4len);
	put16(p + 6, ra ? 0 : 0x4000);	/* data: don't fragment */
	p[8] = ttl;
	p[9] = proto;
	put32(p + 12, saddr);
	put32(p + 16, daddr);
	if (ra) {
		p[20] = 0x94;		/* Router Alert, length 4, value 0 */
		p[21] = 0x04;
	}
	memcpy(p + 10, &(uint16_t){ csum(p, hlen) }, 2);
	return p + hlen;
}

static size_t build_data(const struct opts *o, uint8_t *f)
{
	uint8_t dst[6];
	uint8_t *p;
	unsigned int i;

	if (o->have_dst_mac)
		memcpy(dst, o->dst_mac, 6);
	else
		mcast_mac(o->group, dst);
	p = put_eth(f, dst, o->src_mac);
	p = put_ip(p, o->src_ip, o->group, IPPROTO_UDP, 8,
		   UDP_HLEN + o->payload, 0);
	put16(p, 5000);
	put16(p + 2, 5004);
	put16(p + 4, UDP_HLEN + o->payload);
	put16(p + 6, 0);		/* no UDP checksum */
	p += UDP_HLEN;
	/* sequence number first (filled in per frame), then a pattern */
	for (i = 4; i < o->payload; i++)
		p[i] = i;
	return ETH_HLEN_ + IP_HLEN + UDP_HLEN + o->payload;
}

static size_t build_report(uint8_t *f, unsigned int host, uint32_t group)
{
	uint8_t src[6] = { 0x02, 0x00, 0x00, 0xaa, host >> 8, host };
	uint8_t dst[6];
	uint8_t *p;

	memset(f, 0, FRAME_MIN);
	mcast_mac(group, dst);
	p = put_eth(f, dst, src);
	p = put_ip(p, 0x0a800000 + host, group, IPPROTO_IGMP, 1, IGMP_LEN, 1);
	p[0] = 0x16;			/* IGMPv2 membership report */
	p[1] = 0;
	put32(p + 4, group);
	memcpy(p + 2, &(uint16_t){ csum(p, IGMP_LEN) }, 2);
	return FRAME_MIN;
}

static size_t build_query(const struct opts *o, uint8_t *f)
{
	static const uint8_t all_hosts[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	uint8_t *p;

	memset(f, 0, FRAME_MIN);
	p = put_eth(f, all_hosts, o->src_mac);
	p = put_ip(p, o->src_ip, 0xe0000001, IPPROTO_IGMP, 1, IGMP_LEN, 1);
	p[0] = 0x11;			/* membership query */
	p[1] = 100;			/* maximum response time, 1/10 s */
	memcpy(p + 2, &(uint16_t){ csum(p, IGMP_LEN) }, 2);
	return FRAME_MIN;
}

static size_t build_marker(const struct opts *o, uint8_t *f)
{
	uint8_t *p;

	memset(f, 0, FRAME_MIN);
	p = put_eth(f, o->marker_mac, o->src_mac);
	p = put_ip(p, 0x0a000002, 0x0a000001, IPPROTO_UDP, 8, UDP_HLEN + 4, 0);
	put16(p, 5000);
	put16(p + 2, 5005);
	put16(p + 4, UDP_HLEN + 4);
	return FRAME_MIN;
}

static int open_socket(const char *ifname, uint8_t mac[6], int have_mac)
{
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int fd;

	if (strlen(ifname) >= IFNAMSIZ)
		die("interface name '%s' too long", ifname);
	/* protocol 0: this socket only sends, it never receives */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		die("interface %s: %s", ifname, strerror(errno));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind to %s: %s", ifname, strerror(errno));
	if (!have_mac) {
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			die("MAC address of %s: %s", ifname, strerror(errno));
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	return fd;
}

/* The counter in a sysfs file; re-read from offset 0 each time. */
static unsigned long long read_counter(int fd, const char *path)
{
	char buf[64];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		die("reading %s: %s", path, n < 0 ? strerror(errno) : "empty");
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

/* Seconds the CPUs spent idle or waiting for I/O, from /proc/stat. */
static double idle_time(void)
{
	unsigned long long v[5];
	FILE *f;

	f = fopen("/proc/stat", "r");
	if (!f)
		die("/proc/stat: %s", strerror(errno));
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4]) != 5)
		die("/proc/stat: no cpu line");
	fclose(f);
	return (double)(v[3] + v[4]) / sysconf(_SC_CLK_TCK);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Send n frames, frame(i) for i in [0, n), batch at a time. A frame the
 * receiving side's backlog dropped (ENOBUFS) is sent again after a pause:
 * it was not delivered, so every frame still arrives once.
 */
struct sender {
	int fd;
	unsigned int batch;
	struct mmsghdr msg[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
};

static void send_batch(struct sender *s, unsigned int n)
{
	unsigned int done = 0, stalls = 0;
	int r;

	while (done < n) {
		r = sendmmsg(s->fd, s->msg + done, n - done, 0);
		if (r > 0) {
			done += r;
			stalls = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == ENOBUFS && ++stalls < 10000) {
			usleep(100);
			continue;
		}
		die("sendmmsg: %s", r < 0 ? strerror(errno) : "sent nothing");
	}
}

int main(int argc, char **argv)
{
	unsigned long long base = 0, cur = 0, total;
	struct sender *s;
	struct opts o;
	uint8_t *frames;
	size_t flen = 0, slot;
	double t0, t1, deadline, idle0 = 0;
	unsigned long i;
	unsigned int j;
	int wfd = -1;

	parse_args(argc, argv, &o);
	s = calloc(1, sizeof(*s));
	if (!s)
		die("out of memory");
	s->batch = o.batch;
	s->fd = open_socket(o.ifname, o.src_mac, o.have_src_mac);

	/* Prebuild: a ring of one batch for data and queries, every report
	 * otherwise.
	 */
	if (o.mode != MODE_REPORT) {
		slot = o.mode == MODE_DATA ?
		       ETH_HLEN_ + IP_HLEN + UDP_HLEN + PAYLOAD_MAX : FRAME_MIN;
		total = o.count;
		frames = calloc(o.batch, slot);
		if (!frames)
			die("out of memory");
		for (j = 0; j < o.batch; j++)
			flen = o.mode == MODE_DATA ?
			       build_data(&o, frames + j * slot) :
			       build_query(&o, frames + j * slot);
	} else {
		slot = FRAME_MIN;
		total = (unsigned long long)o.hosts * o.groups;
		frames = calloc(total + 1, slot);
		if (!frames)
			die("out of memory for %llu reports", total);
		i = 0;
		for (j = 0; j < o.groups; j++) {
			unsigned int h;

			for (h = 1; h <= o.hosts; h++, i++)
				build_report(frames + i * slot, h, o.group + j);
		}
		if (o.have_marker)
			build_marker(&o, frames + total * slot);
		flen = FRAME_MIN;
	}

	if (o.wait_file) {
		wfd = open(o.wait_file, O_RDONLY);
		if (wfd < 0)
			die("open %s: %s", o.wait_file, strerror(errno));
		base = read_counter(wfd, o.wait_file);
	}

	if (o.print_busy)
		idle0 = idle_time();
	t0 = now();
	for (i = 0; i < total + o.have_marker; i += j) {
		unsigned long left = total + o.have_marker - i;
		unsigned int n = left < o.batch ? left : o.batch;

		for (j = 0; j < n; j++) {
			uint8_t *f;

			if (o.mode == MODE_REPORT) {
				f = frames + (i + j) * slot;
			} else {
				f = frames + j * slot;
				if (o.mode == MODE_DATA)
					put32(f + ETH_HLEN_ + IP_HLEN + UDP_HLEN,
					      i + j);
			}
			s->iov[j].iov_base = f;
			s->iov[j].iov_len = flen;
			s->msg[j].msg_hdr.msg_iov = &s->iov[j];
			s->msg[j].msg_hdr.msg_iovlen = 1;
		}
		send_batch(s, n);
	}

	if (o.wait_file) {
		/*
		 * Poll with short sleeps rather than spin: with one vCPU the
		 * deliveries still pending run in ksoftirqd, which a spinning
		 * poller would compete with.
		 */
		deadline = t0 + o.timeout;
		for (;;) {
			cur = read_counter(wfd, o.wait_file);
			if (cur - base >= o.wait_delta)
				break;
			if (now() > deadline)
				die("timeout after %.0f s waiting for %s to grow by %llu: it grew by %llu",
				    o.timeout, o.wait_file, o.wait_delta,
				    cur - base);
			nanosleep(&(struct timespec){ 0, 50000 }, NULL);
		}
	}
	t1 = now();

	if (o.print_busy)
		printf("%.6f %.6f\n", t1 - t0, t1 - t0 - (idle_time() - idle0));
	else if (o.print_time)
		printf("%.6f\n", t1 - t0);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * m2u-diag: say in plain words why a bridge's multicast-to-unicast
 * conversion (the m2u series) does or does not work.
 *
 * Reads everything over rtnetlink and from /proc: the bridges and their
 * snooping and querier state, their ports and the series' port options,
 * the host records and port groups of the mdb, the ports' conversion
 * counters (twice, an interval apart), rp_filter and the IPv4 routes that
 * multicast follows. Prints one section per bridge, or one JSON document.
 *
 * Build: gcc -O2 -Wall -Wextra -o m2u-diag m2u-diag.c -lmnl
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_ether.h>
#include <linux/filter.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/*
 * The series' netlink numbers (include/uapi/linux/if_link.h and if_bridge.h
 * of the patched kernel), and the upstream ones newer than the headers this
 * may be built against.
 */
#ifndef IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT
#define IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT	46
#endif
#ifndef IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT
#define IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT	47
#endif
#ifndef IFLA_BRPORT_MCAST_TO_UCAST_FANOUT
#define IFLA_BRPORT_MCAST_TO_UCAST_FANOUT	48
#endif
#ifndef IFLA_BRPORT_MCAST_TO_UCAST_QUERIES
#define IFLA_BRPORT_MCAST_TO_UCAST_QUERIES	49
#endif

#ifndef BRIDGE_XSTATS_M2U
#define BRIDGE_XSTATS_M2U			5
#endif
#ifndef BRIDGE_M2U_XSTATS_CONVERTED
#define BRIDGE_M2U_XSTATS_CONVERTED		2
#endif
/* BRIDGE_M2U_XSTATS_CONVERTED up to _QUERY_COPIES, in order. */
#define M2U_NSTATS				8

#ifndef MDBA_HOSTS
#define MDBA_HOSTS				3
#endif
#ifndef MDBA_HOSTS_ENTRY
#define MDBA_HOSTS_ENTRY			1
#endif
#ifndef MDBA_HOSTS_ATTR_INFO
#define MDBA_HOSTS_ATTR_INFO			1
#endif
#ifndef MDBA_HOSTS_ATTR_LLADDR
#define MDBA_HOSTS_ATTR_LLADDR			2
#endif
#ifndef MDBA_HOSTS_ATTR_TIMER
#define MDBA_HOSTS_ATTR_TIMER			3
#endif
#ifndef MDBA_HOSTS_ATTR_GROUP_MODE
#define MDBA_HOSTS_ATTR_GROUP_MODE		4
#endif
#ifndef MDBA_HOSTS_ATTR_SRC_LIST
#define MDBA_HOSTS_ATTR_SRC_LIST		5
#endif

/* Upstream since 5.15; enum members, so these only fill in old headers. */
#ifndef IFLA_BR_MCAST_QUERIER_STATE
#define IFLA_BR_MCAST_QUERIER_STATE		47
#endif
#ifndef BRIDGE_QUERIER_IP_ADDRESS
#define BRIDGE_QUERIER_IP_ADDRESS		1
#define BRIDGE_QUERIER_IP_PORT			2
#define BRIDGE_QUERIER_IP_OTHER_TIMER		3
#define BRIDGE_QUERIER_IPV6_ADDRESS		5
#define BRIDGE_QUERIER_IPV6_PORT		6
#define BRIDGE_QUERIER_IPV6_OTHER_TIMER		7
#endif

#define EXIT_NO_BRIDGE		1
#define EXIT_USAGE		2
#define EXIT_NO_SERIES		3

#define RECV_BUF_MIN		(256 * 1024)
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static const char *const stat_names[M2U_NSTATS] = {
	"converted", "copies", "echo_skipped", "alloc_drops",
	"unrecorded_fallback", "limit_fallback", "fanout_fallback",
	"query_copies",
};

enum {
	ST_CONVERTED, ST_COPIES, ST_ECHO, ST_ALLOC, ST_UNRECORDED, ST_LIMIT,
	ST_FANOUT, ST_QUERY,
};

union addr {
	struct in_addr v4;
	struct in6_addr v6;
	unsigned char mac[ETH_ALEN];
};

struct querier {
	bool present;		/* the nest has an address */
	union addr addr;
	bool has_port;
	uint32_t port;
	bool has_timer;
	uint64_t other_timer;	/* centiseconds */
};

struct bridge_info {
	bool has_snooping;
	uint8_t snooping;
	uint8_t querier;
	uint8_t use_ifaddr;
	uint8_t igmp_version;
	uint8_t mld_version;
	bool has_mi, has_qi, has_qri;
	uint64_t membership_cs;
	uint64_t query_cs;
	uint64_t response_cs;	/* query response interval */
	bool has_qstate;
	struct querier q4, q6;
};

struct port_info {
	uint8_t state;
	uint8_t m2u;
	uint8_t hairpin;
	uint8_t mrouter;
	bool has_state, has_m2u, has_hairpin, has_mrouter;
	bool has_limit, has_cnt, has_fanout, has_queries;
	uint32_t limit, cnt, fanout;
	uint8_t queries;
	bool is_router;		/* in the bridge's router port list now */
	bool have[2];
	uint64_t stats[2][M2U_NSTATS];
};

struct link {
	int ifindex;
	int master;
	char name[IF_NAMESIZE];
	bool is_bridge;
	bool is_port;		/* a bridge port (slave kind "bridge") */
	struct bridge_info br;
	struct port_info port;
};

struct host {
	int br, port;
	uint16_t vid;
	uint16_t proto;		/* network order */
	union addr grp;
	unsigned char mac[ETH_ALEN];
	uint32_t timer;		/* centiseconds */
	uint8_t mode;
	uint8_t state;
	int nsrcs;
};

struct pgroup {
	int br, port;
	uint16_t vid;
	uint16_t proto;
	union addr grp;
	uint8_t state;
	bool sg;
};

struct addr_rec {
	int ifindex;
	int family;
	int plen;
	union addr addr;
};

struct route {
	int plen;
	struct in_addr dst;
	int oif;
	int type;
};

enum sev { SEV_INFO, SEV_PROBLEM };

struct finding {
	int br;
	enum sev sev;
	const char *code;
	char port[IF_NAMESIZE];
	char text[512];
};

#define DEFINE_VEC(type, name)						\
	static struct type *name;					\
	static size_t n_##name, cap_##name;				\
	static struct type *name##_add(void)				\
	{								\
		if (n_##name == cap_##name) {				\
			cap_##name = cap_##name ? 2 * cap_##name : 16;	\
			name = realloc(name,				\
				       cap_##name * sizeof(*name));	\
			if (!name) {					\
				perror("m2u-diag");			\
				exit(1);				\
			}						\
		}							\
		memset(&name[n_##name], 0, sizeof(*name));		\
		return &name[n_##name++];				\
	}

DEFINE_VEC(link, links)
DEFINE_VEC(host, hosts)
DEFINE_VEC(pgroup, groups)
DEFINE_VEC(addr_rec, addrs)
DEFINE_VEC(route, routes)
DEFINE_VEC(finding, findings)

/* An IGMP or MLD general or group query heard during the interval. */
struct heard {
	int ifindex;		/* where it was seen: a port or the bridge */
	int family;		/* AF_INET: IGMP, AF_INET6: MLD */
	union addr src;
	int version;		/* IGMP 1, 2 or 3; MLD 1 or 2 */
	unsigned int count;
};

DEFINE_VEC(heard, heards)
static bool listen_failed;	/* no packet socket (not root?) */

static bool opt_json;
static unsigned int opt_interval = 2;

/* Netlink */

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	char *buf;
	size_t bufsz;
};

static struct nl nl;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("m2u-diag: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void nl_open(void)
{
	int one = 1;

	nl.sk = mnl_socket_open(NETLINK_ROUTE);
	if (!nl.sk)
		die("netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl.sk, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind: %s", strerror(errno));
	/* Strict dump checking is not needed; extended acks help errors. */
	mnl_socket_setsockopt(nl.sk, NETLINK_EXT_ACK, &one, sizeof(one));
	nl.portid = mnl_socket_get_portid(nl.sk);
	nl.seq = (unsigned int)time(NULL);
	nl.bufsz = RECV_BUF_MIN;
	nl.buf = malloc(nl.bufsz);
	if (!nl.buf)
		die("out of memory");
}

/*
 * Send REQ as a dump request and hand every answer to CB, until
 * NLMSG_DONE. Each datagram is peeked at first, so that a message larger
 * than the buffer grows the buffer instead of being cut (MSG_TRUNC).
 * Returns 0, or -errno of the kernel's NLMSG_ERROR.
 */
static int nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	int fd = mnl_socket_get_fd(nl.sk);
	unsigned int seq = ++nl.seq;
	ssize_t len;
	int ret;

	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl.sk, req, req->nlmsg_len) < 0)
		die("netlink send: %s", strerror(errno));

	for (;;) {
		len = recv(fd, nl.buf, 1, MSG_PEEK | MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			die("netlink receive: %s", strerror(errno));
		}
		if ((size_t)len > nl.bufsz) {
			free(nl.buf);
			nl.bufsz = (size_t)len;
			nl.buf = malloc(nl.bufsz);
			if (!nl.buf)
				die("out of memory");
		}
		len = recv(fd, nl.buf, nl.bufsz, 0);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			die("netlink receive: %s", strerror(errno));
		}
		ret = mnl_cb_run(nl.buf, (size_t)len, seq, nl.portid, cb, data);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return errno ? -errno : -EIO;
	}
}

/* Dump TYPE: a request of the family header HDRLEN long, whose first byte
 * is the family (ifinfomsg, ifaddrmsg, rtmsg and br_port_msg alike).
 */
static void dump(uint16_t type, size_t hdrlen, uint8_t family, mnl_cb_t cb,
		 const char *what)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *hdr;
	int err;

	nlh->nlmsg_type = type;
	hdr = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	hdr[0] = family;
	err = nl_dump(nlh, cb, NULL);
	if (err)
		die("%s dump: %s", what, strerror(-err));
}

static uint8_t attr_u8(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 1 ? mnl_attr_get_u8(a) : 0;
}

static uint32_t attr_u32(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : 0;
}

static uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (mnl_attr_get_payload_len(a) >= 8)
		memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

/* Links */

static struct link *link_by_index(int ifindex)
{
	size_t i;

	for (i = 0; i < n_links; i++)
		if (links[i].ifindex == ifindex)
			return &links[i];
	return NULL;
}

static const char *link_name(int ifindex)
{
	static char buf[4][24];
	static int n;
	struct link *l = link_by_index(ifindex);

	if (l)
		return l->name;
	n = (n + 1) % 4;
	snprintf(buf[n], sizeof(buf[n]), "ifindex %d", ifindex);
	return buf[n];
}

static void parse_querier(const struct nlattr *nest, struct bridge_info *br)
{
	const struct nlattr *a;
	size_t len;

	br->has_qstate = true;
	mnl_attr_for_each_nested(a, nest) {
		len = mnl_attr_get_payload_len(a);
		switch (mnl_attr_get_type(a)) {
		case BRIDGE_QUERIER_IP_ADDRESS:
			if (len >= 4) {
				br->q4.present = true;
				memcpy(&br->q4.addr.v4, mnl_attr_get_payload(a), 4);
			}
			break;
		case BRIDGE_QUERIER_IP_PORT:
			br->q4.has_port = true;
			br->q4.port = attr_u32(a);
			break;
		case BRIDGE_QUERIER_IP_OTHER_TIMER:
			br->q4.has_timer = true;
			br->q4.other_timer = attr_u64(a);
			break;
		case BRIDGE_QUERIER_IPV6_ADDRESS:
			if (len >= 16) {
				br->q6.present = true;
				memcpy(&br->q6.addr.v6, mnl_attr_get_payload(a),
				       16);
			}
			break;
		case BRIDGE_QUERIER_IPV6_PORT:
			br->q6.has_port = true;
			br->q6.port = attr_u32(a);
			break;
		case BRIDGE_QUERIER_IPV6_OTHER_TIMER:
			br->q6.has_timer = true;
			br->q6.other_timer = attr_u64(a);
			break;
		}
	}
}

static void parse_bridge_data(const struct nlattr *nest, struct bridge_info *br)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_BR_MCAST_SNOOPING:
			br->has_snooping = true;
			br->snooping = attr_u8(a);
			break;
		case IFLA_BR_MCAST_QUERIER:
			br->querier = attr_u8(a);
			break;
		case IFLA_BR_MCAST_QUERY_USE_IFADDR:
			br->use_ifaddr = attr_u8(a);
			break;
		case IFLA_BR_MCAST_IGMP_VERSION:
			br->igmp_version = attr_u8(a);
			break;
		case IFLA_BR_MCAST_MLD_VERSION:
			br->mld_version = attr_u8(a);
			break;
		case IFLA_BR_MCAST_MEMBERSHIP_INTVL:
			br->has_mi = true;
			br->membership_cs = attr_u64(a);
			break;
		case IFLA_BR_MCAST_QUERY_INTVL:
			br->has_qi = true;
			br->query_cs = attr_u64(a);
			break;
		case IFLA_BR_MCAST_QUERY_RESPONSE_INTVL:
			br->has_qri = true;
			br->response_cs = attr_u64(a);
			break;
		case IFLA_BR_MCAST_QUERIER_STATE:
			parse_querier(a, br);
			break;
		}
	}
}

static void parse_port_data(const struct nlattr *nest, struct port_info *p)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_BRPORT_STATE:
			p->has_state = true;
			p->state = attr_u8(a);
			break;
		case IFLA_BRPORT_MODE:
			p->has_hairpin = true;
			p->hairpin = attr_u8(a);
			break;
		case IFLA_BRPORT_MCAST_TO_UCAST:
			p->has_m2u = true;
			p->m2u = attr_u8(a);
			break;
		case IFLA_BRPORT_MULTICAST_ROUTER:
			p->has_mrouter = true;
			p->mrouter = attr_u8(a);
			break;
		case IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT:
			if (mnl_attr_get_payload_len(a) == 4) {
				p->has_limit = true;
				p->limit = attr_u32(a);
			}
			break;
		case IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT:
			if (mnl_attr_get_payload_len(a) == 4) {
				p->has_cnt = true;
				p->cnt = attr_u32(a);
			}
			break;
		case IFLA_BRPORT_MCAST_TO_UCAST_FANOUT:
			if (mnl_attr_get_payload_len(a) == 4) {
				p->has_fanout = true;
				p->fanout = attr_u32(a);
			}
			break;
		case IFLA_BRPORT_MCAST_TO_UCAST_QUERIES:
			p->has_queries = true;
			p->queries = attr_u8(a);
			break;
		}
	}
}

static void parse_linkinfo(const struct nlattr *nest, struct link *l)
{
	const struct nlattr *a, *data = NULL, *sdata = NULL;
	const char *kind = NULL, *skind = NULL;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_INFO_KIND:
			kind = mnl_attr_get_str(a);
			break;
		case IFLA_INFO_DATA:
			data = a;
			break;
		case IFLA_INFO_SLAVE_KIND:
			skind = mnl_attr_get_str(a);
			break;
		case IFLA_INFO_SLAVE_DATA:
			sdata = a;
			break;
		}
	}
	if (kind && !strcmp(kind, "bridge")) {
		l->is_bridge = true;
		if (data)
			parse_bridge_data(data, &l->br);
	}
	if (skind && !strcmp(skind, "bridge")) {
		l->is_port = true;
		if (sdata)
			parse_port_data(sdata, &l->port);
	}
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct link *l;

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	l = links_add();
	l->ifindex = ifi->ifi_index;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
			break;
		case IFLA_MASTER:
			l->master = (int)attr_u32(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(a, l);
			break;
		}
	}
	return MNL_CB_OK;
}

static void dump_links(void)
{
	dump(RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC, link_cb,
	     "RTM_GETLINK");
}

/* Addresses and routes */

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *address = NULL;
	struct addr_rec *x;
	size_t alen;

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
	}
	if (local)
		address = local;
	if (!address)
		return MNL_CB_OK;
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (mnl_attr_get_payload_len(address) < alen)
		return MNL_CB_OK;
	x = addrs_add();
	x->ifindex = (int)ifa->ifa_index;
	x->family = ifa->ifa_family;
	x->plen = ifa->ifa_prefixlen;
	memcpy(&x->addr, mnl_attr_get_payload(address), alen);
	return MNL_CB_OK;
}

static void dump_addrs(void)
{
	dump(RTM_GETADDR, sizeof(struct ifaddrmsg), AF_UNSPEC, addr_cb,
	     "RTM_GETADDR");
}

static int multipath_oif(const struct nlattr *a)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(a);

	if (mnl_attr_get_payload_len(a) < sizeof(*nh))
		return 0;
	return nh->rtnh_ifindex;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table = rtm->rtm_table;
	struct route r = { 0 };

	(void)data;
	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	r.plen = rtm->rtm_dst_len;
	r.type = rtm->rtm_type;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			table = attr_u32(a);
			break;
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) >= 4)
				memcpy(&r.dst, mnl_attr_get_payload(a), 4);
			break;
		case RTA_OIF:
			r.oif = (int)attr_u32(a);
			break;
		case RTA_MULTIPATH:
			if (!r.oif)
				r.oif = multipath_oif(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (r.type != RTN_UNICAST && r.type != RTN_MULTICAST)
		return MNL_CB_OK;
	*routes_add() = r;
	return MNL_CB_OK;
}

static void dump_routes(void)
{
	dump(RTM_GETROUTE, sizeof(struct rtmsg), AF_INET, route_cb,
	     "RTM_GETROUTE");
}

static uint32_t plen_mask(int plen)
{
	return plen <= 0 ? 0 : plen >= 32 ? 0xffffffffu :
	       ~((1u << (32 - plen)) - 1);
}

/* A route whose destination lies in 224.0.0.0/4, or one that holds it. */
static bool route_is_mcast(const struct route *r)
{
	uint32_t dst = ntohl(r->dst.s_addr);
	int plen = r->plen < 4 ? r->plen : 4;

	if (r->plen == 0)
		return false;
	return (dst & plen_mask(plen)) == (0xe0000000u & plen_mask(plen));
}

/* MDB */

static bool mdb_entry_get(const struct nlattr *a, const struct br_mdb_entry **e)
{
	if (mnl_attr_get_payload_len(a) < sizeof(**e))
		return false;
	*e = mnl_attr_get_payload(a);
	return true;
}

static void copy_group(union addr *dst, const struct br_mdb_entry *e)
{
	memset(dst, 0, sizeof(*dst));
	if (e->addr.proto == htons(ETH_P_IP))
		dst->v4.s_addr = e->addr.u.ip4;
	else if (e->addr.proto == htons(ETH_P_IPV6))
		dst->v6 = e->addr.u.ip6;
	else
		memcpy(dst->mac, e->addr.u.mac_addr, ETH_ALEN);
}

static void parse_mdb_entry(int br, const struct nlattr *entry)
{
	const struct br_mdb_entry *e;
	const struct nlattr *a, *ea;
	struct pgroup *g;
	size_t off;
	int rest;

	mnl_attr_for_each_nested(a, entry) {
		if (mnl_attr_get_type(a) != MDBA_MDB_ENTRY_INFO ||
		    !mdb_entry_get(a, &e))
			continue;
		g = groups_add();
		g->br = br;
		g->port = (int)e->ifindex;
		g->vid = e->vid;
		g->proto = e->addr.proto;
		g->state = e->state;
		copy_group(&g->grp, e);
		/* Attributes follow the struct inside the same attribute. */
		off = MNL_ALIGN(sizeof(*e));
		if (mnl_attr_get_payload_len(a) <= off)
			continue;
		rest = (int)(mnl_attr_get_payload_len(a) - off);
		ea = (const struct nlattr *)
		     ((const char *)mnl_attr_get_payload(a) + off);
		for (; mnl_attr_ok(ea, rest); ea = mnl_attr_next(ea)) {
			rest -= (int)MNL_ALIGN(ea->nla_len);
			if (mnl_attr_get_type(ea) == MDBA_MDB_EATTR_SOURCE)
				g->sg = true;
		}
	}
}

static void parse_host(int br, const struct nlattr *entry)
{
	const struct br_mdb_entry *e = NULL;
	const struct nlattr *a, *s;
	struct host h = { 0 };

	h.br = br;
	mnl_attr_for_each_nested(a, entry) {
		switch (mnl_attr_get_type(a)) {
		case MDBA_HOSTS_ATTR_INFO:
			mdb_entry_get(a, &e);
			break;
		case MDBA_HOSTS_ATTR_LLADDR:
			if (mnl_attr_get_payload_len(a) >= ETH_ALEN)
				memcpy(h.mac, mnl_attr_get_payload(a), ETH_ALEN);
			break;
		case MDBA_HOSTS_ATTR_TIMER:
			h.timer = attr_u32(a);
			break;
		case MDBA_HOSTS_ATTR_GROUP_MODE:
			h.mode = attr_u8(a);
			break;
		case MDBA_HOSTS_ATTR_SRC_LIST:
			mnl_attr_for_each_nested(s, a)
				h.nsrcs++;
			break;
		}
	}
	if (!e)
		return;
	h.port = (int)e->ifindex;
	h.vid = e->vid;
	h.proto = e->addr.proto;
	h.state = e->state;
	copy_group(&h.grp, e);
	*hosts_add() = h;
}

static int mdb_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct br_port_msg *bpm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *b;
	int br = (int)bpm->ifindex;

	(void)data;
	/* Dumps answer with RTM_GETMDB, notifications with RTM_NEWMDB. */
	if (nlh->nlmsg_type != RTM_GETMDB && nlh->nlmsg_type != RTM_NEWMDB)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*bpm)) {
		switch (mnl_attr_get_type(a)) {
		case MDBA_MDB:
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == MDBA_MDB_ENTRY)
					parse_mdb_entry(br, b);
			break;
		case MDBA_HOSTS:
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == MDBA_HOSTS_ENTRY)
					parse_host(br, b);
			break;
		case MDBA_ROUTER:
			/* Each MDBA_ROUTER_PORT starts with the port's
			 * ifindex (u32), its attributes follow.
			 */
			mnl_attr_for_each_nested(b, a) {
				struct link *l;

				if (mnl_attr_get_type(b) != MDBA_ROUTER_PORT ||
				    mnl_attr_get_payload_len(b) < sizeof(uint32_t))
					continue;
				l = link_by_index((int)mnl_attr_get_u32(b));
				if (l && l->master == br)
					l->port.is_router = true;
			}
			break;
		}
	}
	return MNL_CB_OK;
}

static void dump_mdb(void)
{
	dump(RTM_GETMDB, sizeof(struct br_port_msg), AF_BRIDGE, mdb_cb,
	     "RTM_GETMDB");
}

/* Counters */

static void parse_m2u_stats(const struct nlattr *nest, struct port_info *p,
			    int round)
{
	const struct nlattr *a;
	int t;

	p->have[round] = true;
	memset(p->stats[round], 0, sizeof(p->stats[round]));
	mnl_attr_for_each_nested(a, nest) {
		t = mnl_attr_get_type(a) - BRIDGE_M2U_XSTATS_CONVERTED;
		if (t >= 0 && t < M2U_NSTATS)
			p->stats[round][t] = attr_u64(a);
	}
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct if_stats_msg *ifsm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *b, *c;
	int round = *(int *)data;
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWSTATS)
		return MNL_CB_OK;
	l = link_by_index((int)ifsm->ifindex);
	if (!l || !l->is_port)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifsm)) {
		if (mnl_attr_get_type(a) != IFLA_STATS_LINK_XSTATS_SLAVE)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) != LINK_XSTATS_TYPE_BRIDGE)
				continue;
			mnl_attr_for_each_nested(c, b)
				if (mnl_attr_get_type(c) == BRIDGE_XSTATS_M2U)
					parse_m2u_stats(c, &l->port, round);
		}
	}
	return MNL_CB_OK;
}

static void dump_stats(int round)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct if_stats_msg *ifsm;
	int err;

	nlh->nlmsg_type = RTM_GETSTATS;
	ifsm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifsm));
	ifsm->family = AF_UNSPEC;
	ifsm->filter_mask =
		IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_XSTATS_SLAVE);
	err = nl_dump(nlh, stats_cb, &round);
	if (err)
		die("RTM_GETSTATS dump: %s", strerror(-err));
}

/* /proc */

/* The IGMP version of a query: RFC 3376 section 7.1 tells them apart by
 * length, and an IGMPv1 query by its zero Max Resp Code.
 */
static int igmp_query_version(const unsigned char *igmp, size_t len)
{
	if (len >= 12)
		return 3;
	if (len == 8)
		return igmp[1] ? 2 : 1;
	return 0;
}

/* The MLD version of a query: RFC 3810 section 8.1, by length. */
static int mld_query_version(size_t len)
{
	if (len >= 28)
		return 2;
	if (len == 24)
		return 1;
	return 0;
}

/* The same query: from the same address, of the same protocol and version. */
static bool heard_same(const struct heard *a, int family,
		       const union addr *src, int version)
{
	return a->family == family && a->version == version &&
	       !memcmp(&a->src, src, family == AF_INET ?
		       sizeof(src->v4) : sizeof(src->v6));
}

static void heard_add(int ifindex, int family, const union addr *src,
		      int version)
{
	struct heard *h;
	size_t i;

	for (i = 0; i < n_heards; i++) {
		h = &heards[i];
		if (h->ifindex == ifindex &&
		    heard_same(h, family, src, version)) {
			h->count++;
			return;
		}
	}
	h = heards_add();
	memset(h, 0, sizeof(*h));
	h->ifindex = ifindex;
	h->family = family;
	if (family == AF_INET)
		h->src.v4 = src->v4;
	else
		h->src.v6 = src->v6;
	h->version = version;
	h->count = 1;
}

/* An IPv4 packet of N bytes: note it if it is an IGMP query. */
static void heard_ipv4(int ifindex, const unsigned char *ip, size_t n)
{
	size_t ihl, tot;
	union addr src;
	int v;

	if (n < 20)
		return;
	ihl = (ip[0] & 0x0f) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if ((ip[0] >> 4) != 4 || ip[9] != IPPROTO_IGMP || ihl < 20 ||
	    tot > n || tot < ihl + 8)
		return;
	if (ip[ihl] != 0x11)	/* Membership Query */
		return;
	v = igmp_query_version(ip + ihl, tot - ihl);
	if (!v)
		return;
	memset(&src, 0, sizeof(src));
	memcpy(&src.v4, ip + 12, sizeof(src.v4));
	heard_add(ifindex, AF_INET, &src, v);
}

/* An IPv6 packet of N bytes: note it if it is an MLD query. MLD messages
 * carry a Hop-by-Hop Options header (the Router Alert) before ICMPv6.
 */
static void heard_ipv6(int ifindex, const unsigned char *ip, size_t n)
{
	size_t off = 40, end;
	union addr src;
	int nh, v;

	if (n < 40 || (ip[0] >> 4) != 6)
		return;
	end = 40 + ((size_t)ip[4] << 8 | ip[5]);
	if (end > n)
		return;
	nh = ip[6];
	if (nh == 0) {		/* Hop-by-Hop Options */
		if (off + 8 > end)
			return;
		nh = ip[off];
		off += ((size_t)ip[off + 1] + 1) * 8;
	}
	if (nh != IPPROTO_ICMPV6 || off + 4 > end)
		return;
	if (ip[off] != 130)	/* Multicast Listener Query */
		return;
	v = mld_query_version(end - off);
	if (!v)
		return;
	memset(&src, 0, sizeof(src));
	memcpy(&src.v6, ip + 8, sizeof(src.v6));
	heard_add(ifindex, AF_INET6, &src, v);
}

/* Wait SECS seconds, and meanwhile note every IGMP and MLD query that
 * arrives on any interface of this namespace: the kernel keeps the elected
 * querier's address, not the version it speaks.
 */
static void listen_queries(unsigned int secs)
{
	struct timespec now, end;
	unsigned char buf[2048];
	struct sockaddr_ll sll;
	struct pollfd pfd;
	socklen_t slen;
	long ms;
	int fd;

	/* All protocols: a bridge port's frames reach the taps of one
	 * protocol only on the bridge, after the bridge took them. The
	 * filter keeps IPv4 IGMP, and IPv6 with a Hop-by-Hop header or
	 * ICMPv6 next (where MLD is); heard_ipv6() looks further.
	 */
	static struct sock_filter code[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 2),
		/* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_IGMP, 4, 5),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 4),
		/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 1),
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
		/* 9 */ BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};

	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				 sizeof(prog)) < 0) {
		if (fd >= 0)
			close(fd);
		listen_failed = true;
		sleep(secs);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 +
		     (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			break;
		if (poll(&pfd, 1, (int)ms) <= 0)
			continue;
		slen = sizeof(sll);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sll,
			     &slen);
		if (n <= 0 || sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (sll.sll_protocol == htons(ETH_P_IP))
			heard_ipv4(sll.sll_ifindex, buf, (size_t)n);
		else if (sll.sll_protocol == htons(ETH_P_IPV6))
			heard_ipv6(sll.sll_ifindex, buf, (size_t)n);
	}
	close(fd);
}

/* The queries heard on BR or one of its ports, one per source and version
 * (a query is seen on the port and again on the bridge).
 */
static bool heard_on(const struct heard *h, const struct link *br)
{
	const struct link *l = link_by_index(h->ifindex);

	return l && (l->ifindex == br->ifindex ||
		     (l->is_port && l->master == br->ifindex));
}

static bool heard_first(size_t i, const struct link *br)
{
	const struct heard *h = &heards[i];
	size_t k;

	for (k = 0; k < i; k++)
		if (heard_on(&heards[k], br) &&
		    heard_same(&heards[k], h->family, &h->src, h->version))
			return false;
	return true;
}

/* Where query H was heard first: a port if any. */
static const char *heard_port(const struct link *br, const struct heard *h)
{
	size_t k;

	for (k = 0; k < n_heards; k++)
		if (heard_on(&heards[k], br) &&
		    heard_same(&heards[k], h->family, &h->src, h->version) &&
		    heards[k].ifindex != br->ifindex)
			return link_name(heards[k].ifindex);
	return br->name;
}

static const char *heard_addr(const struct heard *h, char *buf, size_t len)
{
	return inet_ntop(h->family, h->family == AF_INET ?
			 (const void *)&h->src.v4 : (const void *)&h->src.v6,
			 buf, (socklen_t)len);
}

static int read_sysctl(const char *dir, const char *dev, const char *name)
{
	char path[256];
	FILE *f;
	int v;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", dir, dev,
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Formatting */

static const char *group_str(uint16_t proto, const union addr *a, char *buf,
			     size_t len)
{
	if (proto == htons(ETH_P_IP))
		return inet_ntop(AF_INET, &a->v4, buf, (socklen_t)len);
	if (proto == htons(ETH_P_IPV6))
		return inet_ntop(AF_INET6, &a->v6, buf, (socklen_t)len);
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0],
		 a->mac[1], a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
	return buf;
}

static const char *mac_str(const unsigned char *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}

/* Centiseconds as seconds: "260", or "12.34". */
static const char *secs_str(uint64_t cs, char *buf, size_t len)
{
	if (cs % 100)
		snprintf(buf, len, "%llu.%02llu", (unsigned long long)(cs / 100),
			 (unsigned long long)(cs % 100));
	else
		snprintf(buf, len, "%llu", (unsigned long long)(cs / 100));
	return buf;
}

static const char *port_state_str(uint8_t s)
{
	static const char *const names[] = {
		"disabled", "listening", "learning", "forwarding", "blocking",
	};

	return s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

static const char *mrouter_str(uint8_t r)
{
	static const char *const names[] = {
		"disabled", "auto (temp_query)", "permanent", "temp",
	};

	return r < ARRAY_SIZE(names) ? names[r] : "unknown";
}

static const char *onoff(bool b)
{
	return b ? "on" : "off";
}

/* Findings */

static void __attribute__((format(printf, 5, 6)))
add_finding(int br, enum sev sev, const char *code, const char *port,
	    const char *fmt, ...)
{
	struct finding *f = findings_add();
	va_list ap;

	f->br = br;
	f->sev = sev;
	f->code = code;
	if (port)
		snprintf(f->port, sizeof(f->port), "%s", port);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static bool port_of(const struct link *l, const struct link *br)
{
	return l->is_port && l->master == br->ifindex;
}

static bool addr4_in_bridge_subnet(int br, struct in_addr a, int *n4)
{
	bool found = false;
	uint32_t m;
	size_t i;

	*n4 = 0;
	for (i = 0; i < n_addrs; i++) {
		if (addrs[i].ifindex != br || addrs[i].family != AF_INET)
			continue;
		(*n4)++;
		m = htonl(plen_mask(addrs[i].plen));
		if ((addrs[i].addr.v4.s_addr & m) == (a.s_addr & m))
			found = true;
	}
	return found;
}

static bool bridge_has_addr6(int br)
{
	size_t i;

	for (i = 0; i < n_addrs; i++)
		if (addrs[i].ifindex == br && addrs[i].family == AF_INET6)
			return true;
	return false;
}

static const char *bridge_subnets4(int br, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < n_addrs && o < len; i++) {
		if (addrs[i].ifindex != br || addrs[i].family != AF_INET)
			continue;
		inet_ntop(AF_INET, &addrs[i].addr.v4, a, sizeof(a));
		o += (size_t)snprintf(buf + o, len - o, "%s%s/%d",
				      o ? ", " : "", a, addrs[i].plen);
	}
	return buf;
}

static const char *querier_port(const struct link *br, const struct querier *q)
{
	if (!q->has_port || !q->port)
		return br->name;
	return link_name((int)q->port);
}

/* BR's database has an IPv6 group other than the link-local ones. */
static bool bridge_has_groups6(int br)
{
	size_t i;

	for (i = 0; i < n_groups; i++)
		if (groups[i].br == br &&
		    groups[i].proto == htons(ETH_P_IPV6) &&
		    !IN6_IS_ADDR_MC_LINKLOCAL(&groups[i].grp.v6))
			return true;
	return false;
}

static bool querier_other(const struct querier *q)
{
	return q->has_timer && q->other_timer > 0;
}

static uint64_t stat_delta(const struct port_info *p, int i)
{
	uint64_t a = p->have[0] ? p->stats[0][i] : 0;

	return p->stats[1][i] - a;
}

static size_t port_hosts(const struct link *br, const struct link *p)
{
	size_t i, n = 0;

	for (i = 0; i < n_hosts; i++)
		if (hosts[i].br == br->ifindex && hosts[i].port == p->ifindex)
			n++;
	return n;
}

static bool group_has_host(const struct pgroup *g)
{
	size_t i;

	for (i = 0; i < n_hosts; i++) {
		const struct host *h = &hosts[i];

		if (h->br == g->br && h->port == g->port && h->vid == g->vid &&
		    h->proto == g->proto && !memcmp(&h->grp, &g->grp,
						     sizeof(h->grp)))
			return true;
	}
	return false;
}

/* A port group of a converting port that no host record stands for. */
static bool group_without_hosts(const struct pgroup *g)
{
	struct link *p;

	if (g->port == g->br || g->sg)
		return false;
	p = link_by_index(g->port);
	if (!p || !p->port.m2u)
		return false;
	return !group_has_host(g);
}

static void heard_findings(const struct link *br, bool snooping)
{
	char a[INET6_ADDRSTRLEN];
	size_t i;

	if (!snooping)
		return;
	for (i = 0; i < n_heards; i++) {
		const struct heard *h = &heards[i];

		if (!heard_on(h, br) || !heard_first(i, br))
			continue;
		heard_addr(h, a, sizeof(a));
		if (h->family == AF_INET && h->version <= 2)
			add_finding(br->ifindex,
				    br->br.igmp_version >= 3 ? SEV_PROBLEM :
							       SEV_INFO,
				    "querier_igmpv2", NULL,
				    "IGMPv%d queries from %s (heard on %s): stations that hear them answer in IGMPv%d and drop their IGMPv3 source filters while they keep hearing them; if %s is igmpproxy on this router, keep its queries off the LAN and let %s query (IGMPv3)",
				    h->version, a, heard_port(br, h),
				    h->version, a, br->name);
		if (h->family == AF_INET6 && h->version == 1)
			add_finding(br->ifindex,
				    br->br.mld_version >= 2 ? SEV_PROBLEM :
							      SEV_INFO,
				    "querier_mldv1", NULL,
				    "MLDv1 queries from %s (heard on %s): stations that hear them answer in MLDv1 and drop their MLDv2 source filters while they keep hearing them; if %s is a proxy on this router, keep its queries off the LAN and let %s query (MLDv2)",
				    a, heard_port(br, h), a, br->name);
	}
}

static void querier_findings(const struct link *br, bool snooping)
{
	const struct bridge_info *b = &br->br;
	char a[INET6_ADDRSTRLEN], s[32], nets[256];
	uint64_t mi = b->has_mi ? b->membership_cs : 26000;
	int n4;

	if (!snooping)
		return;
	secs_str(mi, s, sizeof(s));
	if (!b->querier && !querier_other(&b->q4))
		add_finding(br->ifindex, SEV_PROBLEM, "no_querier", NULL,
			    "no querier: memberships will time out about %s s after the last report and the stream stops (%s's mcast_querier is off and no other IGMP querier was heard; until one is, the bridge floods IPv4 multicast as multicast and converts nothing)",
			    s, br->name);
	if (!querier_other(&b->q6) &&
	    (!b->querier || !bridge_has_addr6(br->ifindex)))
		add_finding(br->ifindex,
			    bridge_has_groups6(br->ifindex) ? SEV_PROBLEM :
							      SEV_INFO,
			    "no_querier_ipv6", NULL,
			    "no MLD querier: IPv6 memberships will time out about %s s after the last report (%s)",
			    s, b->querier ?
			    "the bridge's own MLD querier needs an IPv6 address on the bridge" :
			    "mcast_querier is off and no other MLD querier was heard");

	if (b->q4.present && (b->querier || querier_other(&b->q4))) {
		inet_ntop(AF_INET, &b->q4.addr.v4, a, sizeof(a));
		if (!b->q4.addr.v4.s_addr) {
			/* What a snooping switch sends by default: Linux
			 * hosts answer it, some other stacks do not.
			 */
			add_finding(br->ifindex, SEV_INFO,
				    "querier_zero_source", NULL,
				    "the IPv4 querier sends from 0.0.0.0: Linux stations answer such queries, some other stacks ignore them and their memberships time out%s",
				    b->querier && !b->use_ifaddr ?
				    "; to query from a real address, give the bridge one and set mcast_query_use_ifaddr 1" :
				    "");
		} else if (!addr4_in_bridge_subnet(br->ifindex, b->q4.addr.v4,
						   &n4)) {
			if (n4)
				add_finding(br->ifindex, SEV_PROBLEM,
					    "querier_implausible", NULL,
					    "IPv4 querier %s (heard on %s) is in none of %s's subnets (%s): a receiver with rp_filter on drops its queries, does not answer them, and its membership times out",
					    a, querier_port(br, &b->q4),
					    br->name,
					    bridge_subnets4(br->ifindex, nets,
							    sizeof(nets)));
			else
				add_finding(br->ifindex, SEV_INFO,
					    "querier_unverified", NULL,
					    "%s has no IPv4 address: cannot tell whether querier %s is in the receivers' subnet",
					    br->name, a);
		}
	}
	if (b->q6.present && querier_other(&b->q6)) {
		inet_ntop(AF_INET6, &b->q6.addr.v6, a, sizeof(a));
		if (IN6_IS_ADDR_UNSPECIFIED(&b->q6.addr.v6) ||
		    !IN6_IS_ADDR_LINKLOCAL(&b->q6.addr.v6))
			add_finding(br->ifindex, SEV_PROBLEM,
				    "querier_implausible", NULL,
				    "IPv6 querier %s is implausible: MLD queries must come from a link-local address, hosts ignore the others",
				    a);
	}
}

/* Counters whose movement is a problem, and what it means. */
static const struct {
	int stat;
	const char *code;
	const char *why;
} moving[] = {
	{ ST_LIMIT, "fallback_moving",
	  "frames go as one multicast copy because a listener could not be recorded (mcast_to_unicast_hosts_limit)" },
	{ ST_FANOUT, "fallback_moving",
	  "frames go as one multicast copy because a group has more listeners than mcast_to_unicast_fanout" },
	{ ST_UNRECORDED, "fallback_moving",
	  "frames go as one multicast copy because a group may have listeners without a host record (port still learning, group without records, or a port-wide entry)" },
	{ ST_ALLOC, "alloc_drops_moving",
	  "copies are lost for lack of memory" },
};

static void port_findings(const struct link *br, const struct link *p,
			  bool snooping)
{
	const struct port_info *pi = &p->port;
	char buf[1024], g[INET6_ADDRSTRLEN];
	size_t i, nh, ng = 0, o = 0;

	if (!pi->m2u)
		return;
	if (snooping && pi->is_router)
		add_finding(br->ifindex, SEV_PROBLEM, "router_port", p->name,
			    "port %s converts but is a multicast router port now (mcast_router %u%s): router ports get every group as multicast, and nothing is converted there; set mcast_router 0 on it",
			    p->name, pi->mrouter,
			    pi->mrouter == 1 ? ", and a query was heard on it" :
					       "");
	if (pi->has_state && pi->state != BR_STATE_FORWARDING)
		add_finding(br->ifindex, SEV_PROBLEM, "port_not_forwarding",
			    p->name, "port %s converts but is %s: it sends nothing",
			    p->name, port_state_str(pi->state));
	if (pi->has_limit && pi->has_cnt && pi->limit &&
	    pi->cnt >= pi->limit)
		add_finding(br->ifindex, SEV_PROBLEM, "host_limit_reached",
			    p->name,
			    "port %s: host limit reached (%u of %u records): new listeners get one multicast copy (limit_fallback); raise mcast_to_unicast_hosts_limit",
			    p->name, pi->cnt, pi->limit);
	if (!pi->hairpin)
		add_finding(br->ifindex, SEV_INFO, "no_hairpin", p->name,
			    "port %s converts without hairpin: stations behind it that also send a channel do not get each other's copies",
			    p->name);
	if (pi->has_fanout && pi->fanout) {
		for (i = 0; i < n_groups; i++) {
			const struct pgroup *pg = &groups[i];
			size_t j, n = 0;

			if (pg->br != br->ifindex || pg->port != p->ifindex ||
			    pg->sg)
				continue;
			for (j = 0; j < n_hosts; j++)
				if (hosts[j].br == pg->br &&
				    hosts[j].port == pg->port &&
				    hosts[j].vid == pg->vid &&
				    hosts[j].proto == pg->proto &&
				    !memcmp(&hosts[j].grp, &pg->grp,
					    sizeof(pg->grp)))
					n++;
			if (n > pi->fanout)
				add_finding(br->ifindex, SEV_PROBLEM,
					    "fanout_exceeded", p->name,
					    "port %s: group %s has %zu listeners, more than mcast_to_unicast_fanout %u: it goes as one multicast copy (fanout_fallback)",
					    p->name,
					    group_str(pg->proto, &pg->grp, g,
						      sizeof(g)),
					    n, pi->fanout);
		}
	}
	buf[0] = 0;
	for (i = 0; i < n_groups; i++) {
		if (groups[i].br != br->ifindex ||
		    groups[i].port != p->ifindex ||
		    !group_without_hosts(&groups[i]))
			continue;
		if (++ng <= 4 && o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "%s%s", ng > 1 ? ", " : "",
					      group_str(groups[i].proto,
							&groups[i].grp, g,
							sizeof(g)));
	}
	if (ng)
		add_finding(br->ifindex, SEV_INFO, "group_without_hosts",
			    p->name,
			    "port %s: %zu group(s) without a host record (%s%s) go as one multicast copy (unrecorded_fallback)",
			    p->name, ng, buf, ng > 4 ? ", ..." : "");

	if (!snooping || !opt_interval || !pi->have[1])
		return;
	nh = port_hosts(br, p);
	if (nh && !stat_delta(pi, ST_CONVERTED) &&
	    !stat_delta(pi, ST_UNRECORDED) && !stat_delta(pi, ST_LIMIT) &&
	    !stat_delta(pi, ST_FANOUT))
		add_finding(br->ifindex, SEV_PROBLEM, "counters_still",
			    p->name,
			    "port %s: conversion on, but counters do not move: %zu host record(s), yet no frame of their groups was converted or sent as multicast in %u s (is the stream reaching the bridge?)",
			    p->name, nh, opt_interval);
	if (stat_delta(pi, ST_CONVERTED))
		add_finding(br->ifindex, SEV_INFO, "converting", p->name,
			    "port %s converts: converted +%llu, copies +%llu in %u s",
			    p->name,
			    (unsigned long long)stat_delta(pi, ST_CONVERTED),
			    (unsigned long long)stat_delta(pi, ST_COPIES),
			    opt_interval);
	for (i = 0; i < sizeof(moving) / sizeof(moving[0]); i++) {
		uint64_t d = stat_delta(pi, moving[i].stat);

		if (d)
			add_finding(br->ifindex, SEV_PROBLEM, moving[i].code,
				    p->name, "port %s: %s moves (+%llu in %u s): %s",
				    p->name, stat_names[moving[i].stat],
				    (unsigned long long)d, opt_interval,
				    moving[i].why);
	}
}

struct sysinfo_br {
	int rp_all, rp_default, rp_br, rp_eff;
	int mc_forwarding;
	const struct route *dflt;
	bool has_mroute;
};

static void gather_sys(const struct link *br, struct sysinfo_br *s)
{
	size_t i;

	s->rp_all = read_sysctl("ipv4", "all", "rp_filter");
	s->rp_default = read_sysctl("ipv4", "default", "rp_filter");
	s->rp_br = read_sysctl("ipv4", br->name, "rp_filter");
	s->rp_eff = s->rp_all > s->rp_br ? s->rp_all : s->rp_br;
	s->mc_forwarding = read_sysctl("ipv4", br->name, "mc_forwarding");
	s->dflt = NULL;
	s->has_mroute = false;
	for (i = 0; i < n_routes; i++) {
		if (routes[i].plen == 0 && routes[i].type == RTN_UNICAST) {
			if (!s->dflt)
				s->dflt = &routes[i];
		} else if (route_is_mcast(&routes[i])) {
			s->has_mroute = true;
		}
	}
}

/* The bridge's own querier asks every query interval; a listener is kept a
 * membership interval after its last answer. RFC 3376 8.4: robustness (2)
 * query intervals plus one query response interval. igmpproxy 0.3 (a
 * multicast router on this box: mc_forwarding) ages its routes once per
 * 125 s and drops one after 2 rounds without a report.
 */
static void timer_findings(const struct link *br, const struct sysinfo_br *s,
			   bool snooping)
{
	const struct bridge_info *b = &br->br;
	char mi[32], qi[32], qri[32], want[32];
	uint64_t need;

	if (!snooping || !b->querier || !b->has_mi || !b->has_qi || !b->has_qri)
		return;
	need = 2 * b->query_cs + b->response_cs;
	if (b->membership_cs < need)
		add_finding(br->ifindex, SEV_PROBLEM, "membership_interval_short",
			    NULL,
			    "mcast_membership_interval %s s is shorter than 2 x mcast_query_interval (%s s) + mcast_query_response_interval (%s s): listeners are forgotten before the next query asks them, and their streams stop until it does; make it at least %s s (the defaults: 125 s and 260 s)",
			    secs_str(b->membership_cs, mi, sizeof(mi)),
			    secs_str(b->query_cs, qi, sizeof(qi)),
			    secs_str(b->response_cs, qri, sizeof(qri)),
			    secs_str(need, want, sizeof(want)));
	if (s->mc_forwarding > 0 && b->query_cs > 12500)
		add_finding(br->ifindex, SEV_PROBLEM, "query_interval_long",
			    NULL,
			    "a multicast router runs on this box (mc_forwarding on %s: igmpproxy?) and %s queries only every %s s: igmpproxy 0.3 ages its routes every 125 s and drops a channel after two rounds without a report; keep mcast_query_interval at 125 s or less",
			    br->name, br->name,
			    secs_str(b->query_cs, qi, sizeof(qi)));
}

/* The MAC of a group: 01:00:5e and the low 23 bits for IPv4, 33:33 and the
 * low 32 bits for IPv6.
 */
static bool group_mac(const struct pgroup *g, unsigned char *mac)
{
	if (g->proto == htons(ETH_P_IP)) {
		const unsigned char *a = (const unsigned char *)&g->grp.v4;

		mac[0] = 0x01;
		mac[1] = 0x00;
		mac[2] = 0x5e;
		mac[3] = a[1] & 0x7f;
		mac[4] = a[2];
		mac[5] = a[3];
		return true;
	}
	if (g->proto == htons(ETH_P_IPV6)) {
		mac[0] = 0x33;
		mac[1] = 0x33;
		memcpy(mac + 2, &g->grp.v6.s6_addr[12], 4);
		return true;
	}
	return false;
}

/* Groups on port P that share a MAC: sent as multicast, a station that
 * joined one receives the other's frames. Converted, each copy goes to its
 * own group's listeners.
 */
static void shared_mac_findings(const struct link *br, const struct link *p,
				bool snooping)
{
	char g1[INET6_ADDRSTRLEN], g2[INET6_ADDRSTRLEN];
	unsigned char m1[ETH_ALEN], m2[ETH_ALEN];
	size_t i, j;

	if (!snooping || p->port.m2u)
		return;
	for (i = 0; i < n_groups; i++) {
		const struct pgroup *a = &groups[i];

		if (a->br != br->ifindex || a->port != p->ifindex || a->sg ||
		    !group_mac(a, m1))
			continue;
		for (j = i + 1; j < n_groups; j++) {
			const struct pgroup *b = &groups[j];

			if (b->br != a->br || b->port != a->port || b->sg ||
			    b->vid != a->vid || b->proto != a->proto ||
			    !group_mac(b, m2) || memcmp(m1, m2, ETH_ALEN) ||
			    !memcmp(&a->grp, &b->grp, sizeof(a->grp)))
				continue;
			add_finding(br->ifindex, SEV_INFO, "groups_share_mac",
				    p->name,
				    "port %s: groups %s and %s share the MAC %02x:%02x:%02x:%02x:%02x:%02x: sent as multicast, a station that joined one receives the other's frames as well; with mcast_to_unicast on, each copy goes to its own group's listeners",
				    p->name,
				    group_str(a->proto, &a->grp, g1, sizeof(g1)),
				    group_str(b->proto, &b->grp, g2, sizeof(g2)),
				    m1[0], m1[1], m1[2], m1[3], m1[4], m1[5]);
		}
	}
}

static void sys_findings(const struct link *br, const struct sysinfo_br *s)
{
	char a[INET_ADDRSTRLEN];
	size_t i;

	if (s->rp_eff == 1)
		add_finding(br->ifindex, SEV_PROBLEM, "rp_filter_strict", NULL,
			    "rp_filter is strict on %s (all %d, %s %d, effective 1): multicast and queries that %s itself receives from a source not routed back through %s are dropped",
			    br->name, s->rp_all, br->name, s->rp_br, br->name,
			    br->name);
	else if (s->rp_eff == 2)
		add_finding(br->ifindex, SEV_INFO, "rp_filter_loose", NULL,
			    "rp_filter is loose on %s (effective 2): a source needs some route back",
			    br->name);

	if (!s->has_mroute && s->dflt && s->dflt->oif != br->ifindex)
		add_finding(br->ifindex, SEV_PROBLEM,
			    "mcast_follows_default_route", NULL,
			    "outbound multicast follows the default route via %s: no route covers 224.0.0.0/4, so multicast this router sends without naming an interface leaves through %s, not %s",
			    link_name(s->dflt->oif), link_name(s->dflt->oif),
			    br->name);
	else if (!s->has_mroute && !s->dflt)
		add_finding(br->ifindex, SEV_INFO, "no_mcast_route", NULL,
			    "no route covers 224.0.0.0/4: multicast this router sends must name its interface");
	for (i = 0; i < n_routes; i++) {
		if (!route_is_mcast(&routes[i]) ||
		    routes[i].oif == br->ifindex)
			continue;
		inet_ntop(AF_INET, &routes[i].dst, a, sizeof(a));
		add_finding(br->ifindex, SEV_INFO, "mcast_route_elsewhere",
			    NULL,
			    "multicast route %s/%d goes via %s, not %s",
			    a, routes[i].plen, link_name(routes[i].oif),
			    br->name);
	}
}

/* JSON */

static int j_depth;
static bool j_first[32];

static void j_qstr(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\b':
			fputs("\\b", stdout);
			break;
		case '\f':
			fputs("\\f", stdout);
			break;
		default:
			/* Control bytes, and anything not ASCII, so that the
			 * document stays valid whatever a name holds.
			 */
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void j_key(const char *k)
{
	if (!j_first[j_depth])
		putchar(',');
	j_first[j_depth] = false;
	if (k) {
		j_qstr(k);
		putchar(':');
	}
}

static void j_open(const char *k, char c)
{
	j_key(k);
	putchar(c);
	j_first[++j_depth] = true;
}

static void j_close(char c)
{
	putchar(c);
	j_depth--;
}

static void j_str(const char *k, const char *v)
{
	j_key(k);
	if (v)
		j_qstr(v);
	else
		fputs("null", stdout);
}

static void j_u64(const char *k, uint64_t v)
{
	j_key(k);
	printf("%llu", (unsigned long long)v);
}

static void j_int(const char *k, long long v)
{
	j_key(k);
	printf("%lld", v);
}

static void j_bool(const char *k, bool v)
{
	j_key(k);
	fputs(v ? "true" : "false", stdout);
}

static void j_null(const char *k)
{
	j_key(k);
	fputs("null", stdout);
}

static void j_secs(const char *k, uint64_t cs)
{
	char s[32];

	j_key(k);
	fputs(secs_str(cs, s, sizeof(s)), stdout);
}

/* Output */

static void json_querier(const char *k, const struct link *br,
			 const struct querier *q, int family)
{
	char a[INET6_ADDRSTRLEN];

	if (!q->present) {
		j_null(k);
		return;
	}
	inet_ntop(family, &q->addr, a, sizeof(a));
	j_open(k, '{');
	j_str("address", a);
	j_str("port", querier_port(br, q));
	j_bool("other_present", querier_other(q));
	if (q->has_timer)
		j_secs("other_timer_s", q->other_timer);
	else
		j_null("other_timer_s");
	j_close('}');
}

static void json_bridge(const struct link *br, const struct sysinfo_br *s,
			int series)
{
	const struct bridge_info *b = &br->br;
	char g[INET6_ADDRSTRLEN], m[24], a[INET_ADDRSTRLEN];
	char ha[INET6_ADDRSTRLEN];
	size_t i;
	int k;

	j_open(NULL, '{');
	j_str("name", br->name);
	j_str("m2u_series", series > 0 ? "present" : "unknown");
	j_bool("snooping", b->has_snooping && b->snooping);
	j_open("querier", '{');
	j_bool("own", b->querier);
	j_int("igmp_version", b->igmp_version);
	j_int("mld_version", b->mld_version);
	j_bool("use_ifaddr", b->use_ifaddr);
	json_querier("ipv4", br, &b->q4, AF_INET);
	json_querier("ipv6", br, &b->q6, AF_INET6);
	j_close('}');
	if (listen_failed || !opt_interval) {
		j_null("queries_heard");
	} else {
		j_open("queries_heard", '[');
		for (i = 0; i < n_heards; i++) {
			const struct heard *h = &heards[i];

			if (!heard_on(h, br) || !heard_first(i, br))
				continue;
			heard_addr(h, ha, sizeof(ha));
			j_open(NULL, '{');
			j_str("family", h->family == AF_INET ? "ipv4" : "ipv6");
			j_str("address", ha);
			j_str("port", heard_port(br, h));
			j_int(h->family == AF_INET ? "igmp_version" :
			      "mld_version", h->version);
			j_u64("count", h->count);
			j_close('}');
		}
		j_close(']');
	}
	if (b->has_mi)
		j_secs("membership_interval_s", b->membership_cs);
	else
		j_null("membership_interval_s");
	if (b->has_qi)
		j_secs("query_interval_s", b->query_cs);
	else
		j_null("query_interval_s");

	j_open("ports", '[');
	for (i = 0; i < n_links; i++) {
		const struct link *p = &links[i];
		const struct port_info *pi = &p->port;

		if (!port_of(p, br))
			continue;
		j_open(NULL, '{');
		j_str("name", p->name);
		j_str("state", port_state_str(pi->state));
		j_bool("mcast_to_unicast", pi->m2u);
		j_bool("hairpin", pi->hairpin);
		j_int("mcast_router", pi->mrouter);
		if (pi->has_limit)
			j_u64("hosts_limit", pi->limit);
		else
			j_null("hosts_limit");
		if (pi->has_cnt)
			j_u64("hosts_cnt", pi->cnt);
		else
			j_null("hosts_cnt");
		if (pi->has_fanout)
			j_u64("fanout", pi->fanout);
		else
			j_null("fanout");
		if (pi->has_queries)
			j_bool("queries", pi->queries);
		else
			j_null("queries");
		j_bool("router_port", pi->is_router);
		if (!pi->have[0] && !pi->have[1]) {
			j_null("counters");
		} else {
			int r = pi->have[1] ? 1 : 0;

			j_open("counters", '{');
			for (k = 0; k < M2U_NSTATS; k++) {
				j_open(stat_names[k], '{');
				j_u64("value", pi->stats[r][k]);
				if (opt_interval && pi->have[1])
					j_u64("delta", stat_delta(pi, k));
				else
					j_null("delta");
				j_close('}');
			}
			j_close('}');
		}
		j_close('}');
	}
	j_close(']');

	j_open("hosts", '[');
	for (i = 0; i < n_hosts; i++) {
		const struct host *h = &hosts[i];

		if (h->br != br->ifindex)
			continue;
		j_open(NULL, '{');
		j_str("group", group_str(h->proto, &h->grp, g, sizeof(g)));
		j_str("port", link_name(h->port));
		j_str("mac", mac_str(h->mac, m, sizeof(m)));
		j_secs("timer_s", h->timer);
		j_str("mode", h->mode == MCAST_INCLUDE ? "include" : "exclude");
		j_int("sources", h->nsrcs);
		j_int("vid", h->vid);
		j_bool("permanent", h->state == MDB_PERMANENT);
		j_close('}');
	}
	j_close(']');

	j_open("groups_without_hosts", '[');
	for (i = 0; i < n_groups; i++) {
		const struct pgroup *pg = &groups[i];

		if (pg->br != br->ifindex || !group_without_hosts(pg))
			continue;
		j_open(NULL, '{');
		j_str("group", group_str(pg->proto, &pg->grp, g, sizeof(g)));
		j_str("port", link_name(pg->port));
		j_int("vid", pg->vid);
		j_close('}');
	}
	j_close(']');

	j_open("rp_filter", '{');
	j_int("all", s->rp_all);
	j_int("default", s->rp_default);
	j_int("bridge", s->rp_br);
	j_int("effective", s->rp_eff);
	j_close('}');
	j_int("mc_forwarding", s->mc_forwarding);
	j_open("routes", '{');
	j_open("multicast", '[');
	for (i = 0; i < n_routes; i++) {
		if (!route_is_mcast(&routes[i]))
			continue;
		inet_ntop(AF_INET, &routes[i].dst, a, sizeof(a));
		j_open(NULL, '{');
		snprintf(g, sizeof(g), "%s/%d", a, routes[i].plen);
		j_str("dst", g);
		j_str("dev", routes[i].oif ? link_name(routes[i].oif) : NULL);
		j_close('}');
	}
	j_close(']');
	j_str("default_dev", s->dflt && s->dflt->oif ?
		link_name(s->dflt->oif) : NULL);
	j_close('}');

	j_open("findings", '[');
	for (i = 0; i < n_findings; i++) {
		const struct finding *f = &findings[i];

		if (f->br != br->ifindex)
			continue;
		j_open(NULL, '{');
		j_str("severity", f->sev == SEV_PROBLEM ? "problem" : "info");
		j_str("code", f->code);
		j_str("port", f->port[0] ? f->port : NULL);
		j_str("text", f->text);
		j_close('}');
	}
	j_close(']');
	j_close('}');
}

static void text_querier(const char *fam, const struct link *br,
			 const struct querier *q, int family)
{
	char a[INET6_ADDRSTRLEN], t[32];

	if (!q->present) {
		printf("- %s querier: none\n", fam);
		return;
	}
	inet_ntop(family, &q->addr, a, sizeof(a));
	if (querier_other(q))
		printf("- %s querier: %s, heard on %s; another querier is present (its timer runs %s s more)\n",
		       fam, a, querier_port(br, q),
		       secs_str(q->other_timer, t, sizeof(t)));
	else
		printf("- %s querier: %s, the bridge itself; no other querier heard\n",
		       fam, a);
}

static void text_bridge(const struct link *br, const struct sysinfo_br *s,
			int series)
{
	const struct bridge_info *b = &br->br;
	char g[INET6_ADDRSTRLEN], m[24], t[32], a[INET_ADDRSTRLEN];
	char ha[INET6_ADDRSTRLEN];
	size_t i, n;
	int k;

	printf("bridge %s\n", br->name);
	if (series <= 0)
		printf("- the m2u series could not be checked: %s has no ports\n",
		       br->name);
	printf("- snooping: %s\n", onoff(b->has_snooping && b->snooping));
	printf("- own querier (mcast_querier): %s, IGMPv%u, MLDv%u, mcast_query_use_ifaddr %s\n",
	       onoff(b->querier), b->igmp_version, b->mld_version,
	       onoff(b->use_ifaddr));
	if (b->has_snooping && b->snooping) {
		text_querier("IPv4", br, &b->q4, AF_INET);
		text_querier("IPv6", br, &b->q6, AF_INET6);
	}
	if (listen_failed) {
		printf("- IGMP/MLD queries: not listened for (no packet socket: run as root)\n");
	} else if (opt_interval) {
		n = 0;
		for (i = 0; i < n_heards; i++) {
			const struct heard *h = &heards[i];

			if (!heard_on(h, br) || !heard_first(i, br))
				continue;
			heard_addr(h, ha, sizeof(ha));
			printf("- %s query heard in %u s: from %s, %sv%d, on %s (%u seen)\n",
			       h->family == AF_INET ? "IGMP" : "MLD",
			       opt_interval, ha,
			       h->family == AF_INET ? "IGMP" : "MLD",
			       h->version, heard_port(br, h), h->count);
			n++;
		}
		if (!n)
			printf("- IGMP/MLD queries heard in %u s: none (queries come every query interval: -i %u to wait for one)\n",
			       opt_interval, 130);
	}
	printf("- membership interval %s s",
	       b->has_mi ? secs_str(b->membership_cs, t, sizeof(t)) : "?");
	printf(", query interval %s s\n",
	       b->has_qi ? secs_str(b->query_cs, t, sizeof(t)) : "?");

	for (i = 0; i < n_links; i++) {
		const struct link *p = &links[i];
		const struct port_info *pi = &p->port;

		if (!port_of(p, br))
			continue;
		printf("- port %s: %s, mcast_to_unicast %s, hairpin %s, mcast_router %u (%s)",
		       p->name, port_state_str(pi->state), onoff(pi->m2u),
		       onoff(pi->hairpin), pi->mrouter,
		       mrouter_str(pi->mrouter));
		if (pi->has_limit)
			printf(", hosts %u of %u, fanout %u%s, queries %s",
			       pi->cnt, pi->limit, pi->fanout,
			       pi->fanout ? "" : " (no limit)",
			       onoff(pi->queries));
		putchar('\n');
		if (!pi->have[0] && !pi->have[1]) {
			if (pi->m2u)
				printf("-   %s counters: none yet (the port has not converted)\n",
				       p->name);
			continue;
		}
		for (k = 0; k < M2U_NSTATS; k++) {
			int r = pi->have[1] ? 1 : 0;

			printf("-   %s %s: %llu", p->name, stat_names[k],
			       (unsigned long long)pi->stats[r][k]);
			if (opt_interval && pi->have[1])
				printf(" (+%llu in %u s%s)",
				       (unsigned long long)stat_delta(pi, k),
				       opt_interval,
				       stat_delta(pi, k) ? "" : ", still");
			putchar('\n');
		}
	}

	for (i = 0, n = 0; i < n_hosts; i++) {
		const struct host *h = &hosts[i];

		if (h->br != br->ifindex)
			continue;
		n++;
		printf("- host %s", group_str(h->proto, &h->grp, g, sizeof(g)));
		if (h->vid)
			printf(" vid %u", h->vid);
		printf(" on %s: %s, %s%s, %s, %d source(s)\n",
		       link_name(h->port), mac_str(h->mac, m, sizeof(m)),
		       h->state == MDB_PERMANENT ? "permanent" :
		       secs_str(h->timer, t, sizeof(t)),
		       h->state == MDB_PERMANENT ? "" : " s",
		       h->mode == MCAST_INCLUDE ? "include" : "exclude",
		       h->nsrcs);
	}
	if (!n)
		printf("- host records: none\n");
	for (i = 0; i < n_groups; i++) {
		const struct pgroup *pg = &groups[i];

		if (pg->br != br->ifindex || !group_without_hosts(pg))
			continue;
		printf("- group %s on %s: no host record\n",
		       group_str(pg->proto, &pg->grp, g, sizeof(g)),
		       link_name(pg->port));
	}

	printf("- rp_filter: all %d, default %d, %s %d: effective %d\n",
	       s->rp_all, s->rp_default, br->name, s->rp_br, s->rp_eff);
	printf("- mc_forwarding: %d\n", s->mc_forwarding);
	for (i = 0, n = 0; i < n_routes; i++) {
		if (!route_is_mcast(&routes[i]))
			continue;
		n++;
		inet_ntop(AF_INET, &routes[i].dst, a, sizeof(a));
		printf("- multicast route %s/%d via %s\n", a, routes[i].plen,
		       routes[i].oif ? link_name(routes[i].oif) : "-");
	}
	if (!n)
		printf("- multicast route: none covers 224.0.0.0/4\n");
	if (s->dflt)
		printf("- default route via %s\n",
		       s->dflt->oif ? link_name(s->dflt->oif) : "-");
	else
		printf("- default route: none\n");

	for (i = 0; i < n_findings; i++) {
		const struct finding *f = &findings[i];

		if (f->br != br->ifindex)
			continue;
		printf("%c %s [%s]\n", f->sev == SEV_PROBLEM ? '!' : '-',
		       f->text, f->code);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: m2u-diag [-j|--json] [-i SECS|--interval SECS] [BRIDGE]\n"
		"       m2u-diag -h|--help\n"
		"Explain why multicast-to-unicast conversion on BRIDGE (default:\n"
		"every bridge) does or does not work.\n"
		"  -j, --json           one JSON document instead of text\n"
		"  -i, --interval SECS  read the counters twice, SECS apart\n"
		"                       (default 2; 0: once, no movement verdicts)\n"
		"  -h, --help           this text\n"
		"Exit: 0 report printed, 1 no bridge or error, 2 bad arguments or\n"
		"no such bridge, 3 the kernel lacks the m2u series.\n");
}

static void bad_usage(const char *fmt, const char *arg)
{
	fputs("m2u-diag: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'm2u-diag --help'.\n", stderr);
	exit(EXIT_USAGE);
}

static unsigned int parse_interval(const char *s)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		bad_usage("bad interval \"%s\": want whole seconds, 0 to 3600",
			  s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 3600)
		bad_usage("bad interval \"%s\": want whole seconds, 0 to 3600",
			  s);
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *want = NULL;
	struct sysinfo_br *sys;
	size_t i, j, nbr = 0, nports = 0, nports_series = 0;
	const struct link *noseries = NULL;
	int c, series;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hji:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'j':
			opt_json = true;
			break;
		case 'i':
			opt_interval = parse_interval(optarg);
			break;
		case ':':
			bad_usage("option %s needs an argument",
				  argv[optind - 1]);
			break;
		default:
			bad_usage("unknown option \"%s\"", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		bad_usage("more than one bridge given (\"%s\" ...)",
			  argv[optind + 1]);
	if (optind < argc) {
		want = argv[optind];
		if (!*want || strlen(want) >= IF_NAMESIZE)
			bad_usage("no such bridge: \"%s\"", want);
	}

	nl_open();
	dump_links();

	for (i = 0; i < n_links; i++) {
		struct link *l = &links[i];

		if (want && strcmp(l->name, want))
			continue;
		if (want && !l->is_bridge) {
			fprintf(stderr, "m2u-diag: %s is not a bridge\n", want);
			return EXIT_USAGE;
		}
		if (l->is_bridge)
			nbr++;
	}
	if (want && !nbr) {
		fprintf(stderr, "m2u-diag: no such bridge: %s\n", want);
		return EXIT_USAGE;
	}
	if (!nbr) {
		fprintf(stderr, "m2u-diag: no bridge in this network namespace\n");
		return EXIT_NO_BRIDGE;
	}

	/* Does the kernel have the series? Its ports say so. */
	for (i = 0; i < n_links; i++) {
		const struct link *l = &links[i];
		const struct link *m;

		if (!l->is_port)
			continue;
		m = link_by_index(l->master);
		if (!m || !m->is_bridge || (want && strcmp(m->name, want)))
			continue;
		nports++;
		if (l->port.has_limit && l->port.has_cnt)
			nports_series++;
		else if (!noseries)
			noseries = l;
	}
	if (nports && !nports_series) {
		fprintf(stderr,
			"m2u-diag: this kernel's bridge has no per-host multicast-to-unicast (the m2u series is not applied): port %s of %s reports no IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT (%d) and _HOSTS_CNT (%d)\n",
			noseries->name, link_name(noseries->master),
			IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT,
			IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT);
		return EXIT_NO_SERIES;
	}
	series = nports ? 1 : 0;

	dump_addrs();
	dump_routes();
	dump_mdb();
	dump_stats(0);
	if (opt_interval) {
		listen_queries(opt_interval);
		dump_stats(1);
	} else {
		for (i = 0; i < n_links; i++) {
			links[i].port.have[1] = links[i].port.have[0];
			memcpy(links[i].port.stats[1], links[i].port.stats[0],
			       sizeof(links[i].port.stats[0]));
		}
	}

	sys = calloc(n_links, sizeof(*sys));
	if (!sys)
		die("out of memory");
	for (i = 0; i < n_links; i++) {
		const struct link *br = &links[i];
		bool snooping = br->br.has_snooping && br->br.snooping;
		size_t nconv = 0, np = 0;

		if (!br->is_bridge || (want && strcmp(br->name, want)))
			continue;
		if (!series)
			add_finding(br->ifindex, SEV_INFO, "series_unknown",
				    NULL,
				    "%s has no ports: could not check whether this kernel has the m2u series",
				    br->name);
		if (!snooping)
			add_finding(br->ifindex, SEV_PROBLEM, "snooping_off",
				    NULL,
				    "multicast snooping is off on %s: it floods multicast and records no listeners, so conversion cannot work (mcast_snooping 1)",
				    br->name);
		querier_findings(br, snooping);
		heard_findings(br, snooping);
		for (j = 0; j < n_links; j++) {
			if (!port_of(&links[j], br))
				continue;
			np++;
			if (links[j].port.m2u)
				nconv++;
			port_findings(br, &links[j], snooping);
			shared_mac_findings(br, &links[j], snooping);
		}
		if (np && !nconv)
			add_finding(br->ifindex, SEV_INFO,
				    "no_converting_port", NULL,
				    "no port of %s has mcast_to_unicast on: nothing is converted",
				    br->name);
		gather_sys(br, &sys[i]);
		sys_findings(br, &sys[i]);
		timer_findings(br, &sys[i], snooping);
	}

	if (opt_json) {
		j_first[0] = true;
		j_open(NULL, '{');
		j_open("bridges", '[');
	}
	for (i = 0, j = 0; i < n_links; i++) {
		const struct link *br = &links[i];

		if (!br->is_bridge || (want && strcmp(br->name, want)))
			continue;
		if (opt_json) {
			json_bridge(br, &sys[i], series);
		} else {
			if (j++)
				putchar('\n');
			text_bridge(br, &sys[i], series);
		}
	}
	if (opt_json) {
		j_close(']');
		j_close('}');
		putchar('\n');
	}
	free(sys);
	mnl_socket_close(nl.sk);
	return fflush(stdout) ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Bridge multicast-to-unicast.
 *
 * The hosts behind a port that asked for a group are recorded per (*, G) port
 * group, by MAC address, from their IGMP/MLD reports, whatever the port's
 * delivery mode. Each record carries the host's own filter mode and source
 * list, which for a single host is simply what its last report said. A port
 * with mcast_to_unicast on sends one unicast copy of a frame to each recorded
 * host whose filter accepts the frame's source. Switching the mode therefore
 * changes only how a frame leaves the port, never who is known to listen.
 *
 * Records are changed under br->multicast_lock and read under RCU; a record
 * is never changed in place except for its expiry time, it is replaced.
 */

#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/igmp.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter_bridge.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/skbuff_ref.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/mld.h>
#include <net/netlink.h>

#include "br_private.h"
#include "br_private_m2u.h"

int br_m2u_port_init(struct net_bridge_port *p)
{
	p->m2u_stats = netdev_alloc_pcpu_stats(struct br_m2u_stats);

	return p->m2u_stats ? 0 : -ENOMEM;
}

void br_m2u_port_fini(struct net_bridge_port *p)
{
	free_percpu(p->m2u_stats);
	p->m2u_stats = NULL;
}

static void br_m2u_stats_get(const struct net_bridge_port *p,
			     u64 *converted, u64 *copies, u64 *fallback,
			     u64 *echo, u64 *drops, u64 *queries)
{
	int cpu;

	*converted = 0;
	*copies = 0;
	*fallback = 0;
	*echo = 0;
	*drops = 0;
	*queries = 0;
	if (!p->m2u_stats)
		return;

	for_each_possible_cpu(cpu) {
		const struct br_m2u_stats *s = per_cpu_ptr(p->m2u_stats, cpu);
		u64 c, n, f, e, d, q;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			c = u64_stats_read(&s->converted);
			n = u64_stats_read(&s->copies);
			f = u64_stats_read(&s->fanout_fallback);
			e = u64_stats_read(&s->echo_skipped);
			d = u64_stats_read(&s->alloc_drops);
			q = u64_stats_read(&s->query_copies);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		*converted += c;
		*copies += n;
		*fallback += f;
		*echo += e;
		*drops += d;
		*queries += q;
	}
}

size_t br_m2u_port_info_size(void)
{
	return nla_total_size(sizeof(u32))	/* ..._MCAST_TO_UCAST_FANOUT */
		+ nla_total_size(0)		/* ..._MCAST_TO_UCAST_STATS */
		+ 6 * nla_total_size_64bit(sizeof(u64));
}

int br_m2u_port_fill(struct sk_buff *skb, const struct net_bridge_port *p)
{
	u64 converted, copies, fallback, echo, drops, queries;
	struct nlattr *nest;

	if (nla_put_u32(skb, IFLA_BRPORT_MCAST_TO_UCAST_FANOUT,
			READ_ONCE(p->m2u_fanout)))
		return -EMSGSIZE;

	br_m2u_stats_get(p, &converted, &copies, &fallback, &echo, &drops,
			 &queries);
	nest = nla_nest_start(skb, IFLA_BRPORT_MCAST_TO_UCAST_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_CONVERTED, converted,
			      IFLA_BRPORT_M2U_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_COPIES, copies,
			      IFLA_BRPORT_M2U_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_FANOUT_FALLBACK,
			      fallback, IFLA_BRPORT_M2U_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_ECHO_SKIPPED, echo,
			      IFLA_BRPORT_M2U_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_ALLOC_DROPS, drops,
			      IFLA_BRPORT_M2U_STATS_PAD) ||
	    nla_put_u64_64bit(skb, IFLA_BRPORT_M2U_STATS_QUERY_COPIES, queries,
			      IFLA_BRPORT_M2U_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);

	return 0;
}

static bool br_m2u_host_live(const struct br_m2u_host *h, unsigned long now)
{
	return (h->flags & BR_M2U_HOST_STATIC) ||
	       time_before(now, READ_ONCE(h->expires));
}

static struct br_m2u_host *
br_m2u_host_find(const struct net_bridge_port_group *pg,
		 const unsigned char *addr)
{
	struct br_m2u_host *h;

	hlist_for_each_entry(h, &pg->m2u_hosts, node)
		if (ether_addr_equal(h->addr, addr))
			return h;

	return NULL;
}

static void br_m2u_host_del(struct net_bridge_port_group *pg,
			    struct br_m2u_host *h)
{
	hlist_del_rcu(&h->node);
	pg->m2u_nhosts--;
	kfree_rcu(h, rcu);
}

void br_m2u_pg_flush(struct net_bridge_port_group *pg)
{
	struct br_m2u_host *h;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(h, tmp, &pg->m2u_hosts, node)
		br_m2u_host_del(pg, h);
	pg->m2u_overflow = false;
}

/* Drop PG's expired records, and find the record of ADDR among the others
 * (ADDR may be NULL): one walk.
 */
static struct br_m2u_host *
br_m2u_purge_find(struct net_bridge_port_group *pg, const unsigned char *addr,
		  unsigned long now)
{
	struct br_m2u_host *h, *found = NULL;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(h, tmp, &pg->m2u_hosts, node) {
		if (!br_m2u_host_live(h, now))
			br_m2u_host_del(pg, h);
		else if (addr && !found && ether_addr_equal(h->addr, addr))
			found = h;
	}

	return found;
}

/* Whether SRC is among the N addresses of ADDR_SIZE bytes at SET, STRIDE
 * bytes apart: a host's sources or a report's.
 */
static bool br_m2u_src_has(const void *set, size_t stride, u16 n,
			   const void *src, size_t addr_size)
{
	u16 i;

	for (i = 0; i < n; i++)
		if (!memcmp((const u8 *)set + i * stride, src, addr_size))
			return true;

	return false;
}

/* Sources that a record of TYPE leaves the host with, into OUT (room for
 * BR_M2U_MAX_SRCS). Returns the count, or -E2BIG when they do not fit.
 */
static int br_m2u_srcs_merge(const struct br_m2u_host *old, bool old_incl,
			     u8 type, const u8 *srcs, u16 nsrcs,
			     size_t addr_size, union br_m2u_addr *out)
{
	bool keep_old = false, add_new = false, del_new = false;
	int n = 0;
	u16 i;

	switch (type) {
	case IGMPV3_MODE_IS_INCLUDE:
	case IGMPV3_MODE_IS_EXCLUDE:
	case IGMPV3_CHANGE_TO_INCLUDE:
	case IGMPV3_CHANGE_TO_EXCLUDE:
		add_new = true;
		break;
	case IGMPV3_ALLOW_NEW_SOURCES:
		keep_old = true;
		add_new = old_incl;
		del_new = !old_incl;
		break;
	case IGMPV3_BLOCK_OLD_SOURCES:
		keep_old = true;
		add_new = !old_incl;
		del_new = old_incl;
		break;
	}

	if (keep_old && old) {
		for (i = 0; i < old->nsrcs; i++) {
			if (del_new &&
			    br_m2u_src_has(srcs, addr_size, nsrcs,
					   &old->srcs[i], addr_size))
				continue;
			out[n++] = old->srcs[i];
		}
	}

	if (add_new) {
		for (i = 0; i < nsrcs; i++) {
			const u8 *s = srcs + i * addr_size;

			if (br_m2u_src_has(out, sizeof(*out), n, s, addr_size))
				continue;
			if (n == BR_M2U_MAX_SRCS)
				return -E2BIG;
			memset(&out[n], 0, sizeof(out[n]));
			memcpy(&out[n++], s, addr_size);
		}
	}

	return n;
}

static struct br_m2u_host *br_m2u_host_alloc(const unsigned char *addr,
					     u8 filter_mode,
					     const union br_m2u_addr *srcs,
					     u16 nsrcs)
{
	struct br_m2u_host *h;

	h = kzalloc(struct_size(h, srcs, nsrcs), GFP_ATOMIC);
	if (!h)
		return NULL;

	ether_addr_copy(h->addr, addr);
	h->filter_mode = filter_mode;
	h->nsrcs = nsrcs;
	if (nsrcs)
		memcpy(h->srcs, srcs, nsrcs * sizeof(*srcs));

	return h;
}

/* Publish NEW in place of OLD (which may be NULL). */
static void br_m2u_host_publish(struct net_bridge_port_group *pg,
				struct br_m2u_host *old,
				struct br_m2u_host *new)
{
	if (old) {
		hlist_replace_rcu(&old->node, &new->node);
		kfree_rcu(old, rcu);
	} else {
		hlist_add_head_rcu(&new->node, &pg->m2u_hosts);
		pg->m2u_nhosts++;
	}
}

/* Record that host ADDR sent a group record of TYPE (an IGMPv3 record type;
 * MLDv2 uses the same values) for PG's group, with NSRCS sources of
 * ADDR_SIZE bytes at SRCS. An IGMPv2/MLDv1 report is IS_EXCLUDE with no
 * sources. Called with multicast_lock held.
 */
void br_m2u_host_report(struct net_bridge_mcast *brmctx,
			struct net_bridge_port_group *pg,
			const unsigned char *addr, u8 type,
			const void *srcs, u16 nsrcs, size_t addr_size)
{
	union br_m2u_addr *set = NULL;
	unsigned long now = jiffies;
	struct br_m2u_host *old, *h;
	bool incl, old_incl;
	int n;

	if (!br_multicast_is_star_g(&pg->key.addr) ||
	    !is_valid_ether_addr(addr))
		return;

	old = br_m2u_purge_find(pg, addr, now);
	if (old && (old->flags & BR_M2U_HOST_STATIC))
		return;
	old_incl = !old || old->filter_mode == MCAST_INCLUDE;

	switch (type) {
	case IGMPV3_MODE_IS_INCLUDE:
	case IGMPV3_CHANGE_TO_INCLUDE:
		incl = true;
		break;
	case IGMPV3_MODE_IS_EXCLUDE:
	case IGMPV3_CHANGE_TO_EXCLUDE:
		incl = false;
		break;
	case IGMPV3_ALLOW_NEW_SOURCES:
	case IGMPV3_BLOCK_OLD_SOURCES:
		incl = old_incl;
		break;
	default:
		return;
	}

	/* No sources on either side, as for every IGMPv2/MLDv1 report: no
	 * set to build.
	 */
	n = 0;
	if (nsrcs || (old && old->nsrcs)) {
		set = kmalloc_array(BR_M2U_MAX_SRCS, sizeof(*set), GFP_ATOMIC);
		n = set ? br_m2u_srcs_merge(old, old_incl, type, srcs, nsrcs,
					    addr_size, set) : -ENOMEM;
	}
	if (n < 0) {
		/* Too many to track, or no memory: err towards delivery. */
		if (incl || !set) {
			incl = false;
			n = 0;
		} else {
			n = BR_M2U_MAX_SRCS;
		}
	}

	if (incl && !n) {
		/* INCLUDE {}: the host no longer listens. */
		if (old)
			br_m2u_host_del(pg, old);
		goto out;
	}

	if (old && old->filter_mode == (incl ? MCAST_INCLUDE : MCAST_EXCLUDE) &&
	    old->nsrcs == n &&
	    (!n || !memcmp(old->srcs, set, n * sizeof(*set)))) {
		WRITE_ONCE(old->expires,
			   now + brmctx->multicast_membership_interval);
		goto out;
	}

	if (!old && pg->m2u_nhosts >= BR_M2U_MAX_HOSTS) {
		pg->m2u_overflow = true;
		goto out;
	}

	h = br_m2u_host_alloc(addr, incl ? MCAST_INCLUDE : MCAST_EXCLUDE,
			      set, n);
	if (!h)
		goto out;
	h->expires = now + brmctx->multicast_membership_interval;
	br_m2u_host_publish(pg, old, h);
out:
	kfree(set);
}

struct net_bridge_port_group *
br_m2u_port_pg(struct net_bridge_mdb_entry *mp, struct net_bridge_port *port)
{
	struct net_bridge_port_group *pg;

	for (pg = mlock_dereference(mp->ports, mp->br); pg;
	     pg = mlock_dereference(pg->next, mp->br))
		if (pg->key.port == port)
			return pg;

	return NULL;
}

/* Host ADDR left MP's group (IGMPv2 leave, MLDv1 done). Returns true when
 * PORT converts and other hosts behind it still listen: then the leave
 * concerns that host alone, and the port group is left as it is.
 */
bool br_m2u_host_leave(struct net_bridge_mdb_entry *mp,
		       struct net_bridge_port *port,
		       const unsigned char *addr)
{
	struct net_bridge_port_group *pg;
	unsigned long now = jiffies;
	struct br_m2u_host *h;

	pg = br_m2u_port_pg(mp, port);
	if (!pg)
		return false;

	h = br_m2u_purge_find(pg, addr, now);
	if (h && !(h->flags & BR_M2U_HOST_STATIC))
		br_m2u_host_del(pg, h);

	return (port->flags & BR_MULTICAST_TO_UNICAST) &&
	       !hlist_empty(&pg->m2u_hosts) && !pg->m2u_overflow;
}

static bool br_m2u_host_wants(const struct br_m2u_host *h,
			      const struct sk_buff *skb, __be16 proto)
{
	bool found = false;
	u16 i;

	if (!h->nsrcs)
		return h->filter_mode == MCAST_EXCLUDE;

	if (proto == htons(ETH_P_IP)) {
		__be32 saddr = ip_hdr(skb)->saddr;

		for (i = 0; i < h->nsrcs && !found; i++)
			found = h->srcs[i].ip4 == saddr;
#if IS_ENABLED(CONFIG_IPV6)
	} else if (proto == htons(ETH_P_IPV6)) {
		const struct in6_addr *saddr = &ipv6_hdr(skb)->saddr;

		for (i = 0; i < h->nsrcs && !found; i++)
			found = ipv6_addr_equal(&h->srcs[i].ip6, saddr);
#endif
	} else {
		return false;
	}

	return found == (h->filter_mode == MCAST_INCLUDE);
}

/* The (*, G) port group holding the host records for PG's port and group. */
static struct net_bridge_port_group *
br_m2u_star_pg_rcu(struct net_bridge_port_group *pg)
{
	struct net_bridge_port *port = pg->key.port;
	struct net_bridge_mdb_entry *mp;
	struct br_ip star;

	if (br_multicast_is_star_g(&pg->key.addr))
		return pg;

	star = pg->key.addr;
	memset(&star.src, 0, sizeof(star.src));
	mp = br_mdb_ip_get_rcu(port->br, &star);
	if (!mp)
		return NULL;

	for (pg = rcu_dereference(mp->ports); pg; pg = rcu_dereference(pg->next))
		if (pg->key.port == port)
			return pg;

	return NULL;
}

static bool br_m2u_host_receives(const struct br_m2u_host *h,
				 const struct sk_buff *skb, __be16 proto,
				 unsigned long now)
{
	return br_m2u_host_live(h, now) && br_m2u_host_wants(h, skb, proto);
}

/* Bytes at the start of a frame that each unicast copy gets in a head of its
 * own: the Ethernet, VLAN, IP and UDP headers, which the copy's way out may
 * rewrite, its destination address first of all. The rest can be shared.
 */
#define BR_M2U_OWN_HLEN		128
/* Fewer shared bytes than this are not worth the detour. */
#define BR_M2U_SHARE_MIN	256

/* Make a frame whose unicast copies share its payload: SKB's headers and
 * metadata in a head of its own, and its payload in page fragments, the
 * linear part copied into one once. Copying the result with pskb_copy()
 * duplicates only the headers, however long the payload. Returns NULL when
 * that is not possible or not worth it: the copies are then made of SKB
 * whole, one by one. SKB's data starts at its network header.
 */
static struct sk_buff *br_m2u_share(const struct net_bridge_port *p,
				    struct sk_buff *skb)
{
	unsigned int headroom = skb_headroom(skb) - ETH_HLEN;
	unsigned int headlen = skb_headlen(skb) + ETH_HLEN;
	const struct skb_shared_info *si = skb_shinfo(skb);
	unsigned int hlen = BR_M2U_OWN_HLEN + ETH_HLEN;
	struct skb_shared_info *ti;
	struct sk_buff *t;
	struct page *page;
	unsigned int i;
	void *buf;

	/* A device without scatter-gather would linearize every copy. */
	if (!(READ_ONCE(p->dev->features) & NETIF_F_SG))
		return NULL;
	/* skb_checksum_help() writes the checksum into the head. */
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		int end = skb_checksum_start_offset(skb) + ETH_HLEN +
			  skb->csum_offset + sizeof(__sum16);

		if (end > (int)hlen)
			hlen = end;
	}
	if (headlen < hlen + BR_M2U_SHARE_MIN ||
	    si->nr_frags >= MAX_SKB_FRAGS || skb_has_frag_list(skb) ||
	    skb_zcopy(skb))
		return NULL;

	t = alloc_skb(headroom + hlen, GFP_ATOMIC);
	if (!t)
		return NULL;
	buf = netdev_alloc_frag(headlen - hlen);
	if (!buf) {
		kfree_skb(t);
		return NULL;
	}

	skb_reserve(t, headroom);
	skb_put_data(t, skb->data - ETH_HLEN, hlen);
	memcpy(buf, skb->data - ETH_HLEN + hlen, headlen - hlen);
	page = virt_to_head_page(buf);
	ti = skb_shinfo(t);
	skb_frag_fill_page_desc(&ti->frags[0], page, buf - page_address(page),
				headlen - hlen);
	for (i = 0; i < si->nr_frags; i++) {
		ti->frags[i + 1] = si->frags[i];
		skb_frag_ref(skb, i);
	}
	ti->nr_frags = si->nr_frags + 1;
	ti->flags |= si->flags & SKBFL_SHARED_FRAG;
	t->len = skb->len + ETH_HLEN;
	t->data_len = t->len - hlen;
	t->truesize += t->data_len;
	/* Same headroom: the header offsets carry over as they are. */
	skb_copy_header(t, skb);
	__skb_pull(t, ETH_HLEN);

	return t;
}

/* A copy of SKB (data at its network header) with a head of its own, where
 * the Ethernet header may be rewritten; NULL without memory.
 */
static struct sk_buff *br_m2u_copy(struct sk_buff *skb)
{
	struct sk_buff *nskb;

	__skb_push(skb, ETH_HLEN);
	nskb = pskb_copy(skb, GFP_ATOMIC);
	__skb_pull(skb, ETH_HLEN);
	if (nskb)
		__skb_pull(nskb, ETH_HLEN);

	return nskb;
}

/* Send to P one unicast copy of SKB (data at its network header) for ADDR:
 * a copy with a head of its own or, with OWN, SKB itself.
 */
static int br_m2u_xmit(struct net_bridge_port *p, struct sk_buff *skb,
		       const unsigned char *addr, bool local_orig, bool own)
{
	struct sk_buff *nskb = own ? skb : br_m2u_copy(skb);

	if (!nskb) {
		DEV_STATS_INC(BR_INPUT_SKB_CB(skb)->brdev, tx_dropped);
		return -ENOMEM;
	}
	memcpy(eth_hdr(nskb)->h_dest, addr, ETH_ALEN);
	br_m2u_forward(p, nskb, local_orig);

	return 0;
}

/* Deliver SKB per host to PG's port, which converts and may send it (see
 * should_deliver()). Returns false when the port must get one multicast copy
 * instead: for an entry added for the whole port, past the fanout limit, and
 * when the hosts are too many to be recorded. Called under RCU.
 *
 * With more than one host, the copies share the payload (br_m2u_share()):
 * it is copied once per frame, not once per host.
 */
bool br_m2u_flood(struct net_bridge_port_group *pg, struct sk_buff *skb,
		  bool local_orig)
{
	const unsigned char *sa = eth_hdr(skb)->h_source;
	struct net_bridge_port *p = pg->key.port;
	unsigned int n = 0, copies = 0, echo = 0, drops = 0;
	__be16 proto = pg->key.addr.proto;
	struct net_bridge_port_group *star;
	bool hairpin = skb->dev == p->dev;
	const unsigned char *to = NULL;
	struct sk_buff *shared = NULL;
	unsigned long now = jiffies;
	struct br_m2u_stats *stats;
	struct br_m2u_host *h;
	bool tried = false;
	u32 fanout;

	star = br_m2u_star_pg_rcu(pg);
	if (!star || star->m2u_overflow)
		return false;
	/* An entry added for the whole port, not per host. */
	if ((star->flags & (MDB_PG_FLAGS_PERMANENT | MDB_PG_FLAGS_M2U_OWNED)) ==
	    MDB_PG_FLAGS_PERMANENT)
		return false;

	stats = this_cpu_ptr(p->m2u_stats);
	fanout = READ_ONCE(p->m2u_fanout);
	if (fanout) {
		hlist_for_each_entry_rcu(h, &star->m2u_hosts, node)
			if (br_m2u_host_receives(h, skb, proto, now) &&
			    !(hairpin && ether_addr_equal(h->addr, sa)))
				n++;
		if (n > fanout) {
			u64_stats_update_begin(&stats->syncp);
			u64_stats_inc(&stats->fanout_fallback);
			u64_stats_update_end(&stats->syncp);
			return false;
		}
	}

	/* Each host's copy is sent once the next host is known, so that the
	 * payload is shared only when there are two copies or more, and the
	 * last copy can be the shared frame itself.
	 */
	hlist_for_each_entry_rcu(h, &star->m2u_hosts, node) {
		if (!br_m2u_host_receives(h, skb, proto, now))
			continue;
		/* Even with hairpin, no soliloquies: IPv6 DAD would break. */
		if (hairpin && ether_addr_equal(h->addr, sa)) {
			echo++;
			continue;
		}
		if (to) {
			if (!tried) {
				shared = br_m2u_share(p, skb);
				tried = true;
			}
			if (br_m2u_xmit(p, shared ?: skb, to, local_orig,
					false))
				drops++;
			else
				copies++;
		}
		to = h->addr;
	}
	if (to) {
		if (br_m2u_xmit(p, shared ?: skb, to, local_orig, shared))
			drops++;
		else
			copies++;
	}

	if (copies || echo || drops) {
		u64_stats_update_begin(&stats->syncp);
		if (copies)
			u64_stats_inc(&stats->converted);
		u64_stats_add(&stats->copies, copies);
		u64_stats_add(&stats->echo_skipped, echo);
		u64_stats_add(&stats->alloc_drops, drops);
		u64_stats_update_end(&stats->syncp);
	}

	return true;
}

/* Listeners a query is copied to at most, after duplicates are removed. */
#define BR_M2U_QUERY_MAX	256

/* Whether SKB (an IGMP or MLD message of TYPE, transport header set) is a
 * query, and if so the group it asks about in GRP: zero for a general query.
 */
static bool br_m2u_query_group(const struct sk_buff *skb, u8 type,
			       struct br_ip *grp)
{
	memset(grp, 0, sizeof(*grp));
	if (type == IGMP_HOST_MEMBERSHIP_QUERY) {
		grp->proto = htons(ETH_P_IP);
		grp->dst.ip4 = igmp_hdr(skb)->group;
		return true;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (type == ICMPV6_MGM_QUERY) {
		grp->proto = htons(ETH_P_IPV6);
		grp->dst.ip6 = ((struct mld_msg *)skb_transport_header(skb))->mld_mca;
		return true;
	}
#endif
	return false;
}

static bool br_m2u_query_match(const struct net_bridge_port_group *pg,
			       const struct br_ip *grp, int vid)
{
	const struct br_ip *key = &pg->key.addr;

	if (key->proto != grp->proto || !br_multicast_is_star_g(key))
		return false;
	if (vid >= 0 && key->vid != vid)
		return false;
	if (grp->proto == htons(ETH_P_IP))
		return !grp->dst.ip4 || key->dst.ip4 == grp->dst.ip4;
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_addr_any(&grp->dst.ip6) ||
	       ipv6_addr_equal(&key->dst.ip6, &grp->dst.ip6);
#else
	return false;
#endif
}

/* Collect in ADDRS (room for BR_M2U_QUERY_MAX) the hosts behind P that a
 * query about GRP concerns: each live listener of the family, or of the
 * group for a group-specific query, once. Called under RCU.
 */
static unsigned int br_m2u_query_hosts(const struct net_bridge_port *p,
				       const struct br_ip *grp, int vid,
				       const unsigned char *skip, u8 *addrs)
{
	const struct net_bridge_port_group *pg;
	unsigned long now = jiffies;
	const struct br_m2u_host *h;
	unsigned int n = 0, i;

	hlist_for_each_entry_rcu(pg, &p->mglist, mglist) {
		if (!br_m2u_query_match(pg, grp, vid))
			continue;
		hlist_for_each_entry_rcu(h, &pg->m2u_hosts, node) {
			if (!br_m2u_host_live(h, now) ||
			    (skip && ether_addr_equal(h->addr, skip)))
				continue;
			for (i = 0; i < n; i++)
				if (ether_addr_equal(&addrs[i * ETH_ALEN],
						     h->addr))
					break;
			if (i < n)
				continue;
			if (n == BR_M2U_QUERY_MAX)
				return n;
			ether_addr_copy(&addrs[n++ * ETH_ALEN], h->addr);
		}
	}

	return n;
}

/* Send to P one unicast copy of the query SKB (data at its network header)
 * per listener that it concerns, beside the multicast query itself, which
 * the caller still sends: a host the bridge does not know yet, or no longer
 * knows, must hear queries too. OWN: the bridge's own query, sent as from the
 * bridge; otherwise SKB is being flooded (local_orig as br_flood()). A port
 * with more listeners than its fanout limit gets no copies.
 */
static void br_m2u_query_copies(struct net_bridge_port *p,
				struct sk_buff *skb, u8 type, int vid,
				bool own, bool local_orig)
{
	const unsigned char *skip = NULL;
	unsigned int n, i, copies = 0;
	struct br_m2u_stats *stats;
	struct sk_buff *nskb;
	struct br_ip grp;
	u32 fanout;
	u8 *addrs;

	if (!br_m2u_query_group(skb, type, &grp))
		return;
	if (!is_multicast_ether_addr(eth_hdr(skb)->h_dest))
		return;

	addrs = kmalloc_array(BR_M2U_QUERY_MAX, ETH_ALEN, GFP_ATOMIC);
	if (!addrs)
		return;
	/* A querier behind P itself, heard back through hairpin mode. */
	if (!own && skb->dev == p->dev)
		skip = eth_hdr(skb)->h_source;

	rcu_read_lock();
	n = br_m2u_query_hosts(p, &grp, vid, skip, addrs);
	rcu_read_unlock();

	stats = this_cpu_ptr(p->m2u_stats);
	fanout = READ_ONCE(p->m2u_fanout);
	if (fanout && n > fanout) {
		u64_stats_update_begin(&stats->syncp);
		u64_stats_inc(&stats->fanout_fallback);
		u64_stats_update_end(&stats->syncp);
		goto out;
	}

	for (i = 0; i < n; i++) {
		nskb = br_m2u_copy(skb);
		if (!nskb)
			break;
		ether_addr_copy(eth_hdr(nskb)->h_dest, &addrs[i * ETH_ALEN]);
		copies++;
		if (own) {
			nskb->dev = p->dev;
			NF_HOOK(NFPROTO_BRIDGE, NF_BR_LOCAL_OUT, dev_net(p->dev),
				NULL, nskb, NULL, nskb->dev,
				br_dev_queue_push_xmit);
		} else {
			br_m2u_forward(p, nskb, local_orig);
		}
	}

	u64_stats_update_begin(&stats->syncp);
	u64_stats_add(&stats->query_copies, copies);
	u64_stats_add(&stats->alloc_drops, n - copies);
	u64_stats_update_end(&stats->syncp);
out:
	kfree(addrs);
}

/* br_flood(): SKB goes to P by flooding, in VLAN VID. */
void br_m2u_query_flood(struct net_bridge_port *p, struct sk_buff *skb,
			u16 vid, bool local_orig)
{
	u8 type = BR_INPUT_SKB_CB(skb)->igmp;

	if (type)
		br_m2u_query_copies(p, skb, type, vid, false, local_orig);
}

/* __br_multicast_send_query(): the bridge's own query of TYPE leaves via P.
 * Its VLAN is the context's one with per-VLAN snooping; without, any.
 */
void br_m2u_query_send(struct net_bridge_mcast *brmctx,
		       struct net_bridge_port *p, struct sk_buff *skb, u8 type)
{
	int vid = br_multicast_ctx_is_vlan(brmctx) ? brmctx->vlan->vid : -1;

	br_m2u_query_copies(p, skb, type, vid, true, false);
}

static size_t br_m2u_host_size(const struct br_m2u_host *h, size_t addr_size)
{
	return nla_total_size(0)			/* MDBA_MDB_HOST */
		+ nla_total_size(ETH_ALEN)		/* ..._ADDRESS */
		+ nla_total_size(sizeof(u8))		/* ..._STATE */
		+ nla_total_size(sizeof(u32))		/* ..._TIMER */
		+ nla_total_size(sizeof(u8))		/* ..._GROUP_MODE */
		+ nla_total_size(0)			/* ..._SRC_LIST */
		+ h->nsrcs * nla_total_size(0)		/* MDBA_MDB_SRCLIST_ENTRY */
		+ h->nsrcs * nla_total_size(addr_size);	/* ..._ADDRESS */
}

static size_t br_m2u_addr_size(const struct net_bridge_port_group *pg)
{
	return pg->key.addr.proto == htons(ETH_P_IP) ? sizeof(__be32) :
						       sizeof(struct in6_addr);
}

size_t br_m2u_mdb_size(const struct net_bridge_port_group *pg)
{
	size_t asz = br_m2u_addr_size(pg), size = nla_total_size(0);
	const struct br_m2u_host *h;

	hlist_for_each_entry(h, &pg->m2u_hosts, node)
		size += br_m2u_host_size(h, asz);

	return size;
}

static int br_m2u_host_fill(struct sk_buff *skb, const struct br_m2u_host *h,
			    size_t asz, unsigned long now)
{
	bool is_static = h->flags & BR_M2U_HOST_STATIC;
	struct nlattr *nest, *list, *ent;
	u32 timer = 0;
	u16 i;

	if (!is_static)
		timer = jiffies_delta_to_clock_t(READ_ONCE(h->expires) - now);

	nest = nla_nest_start(skb, MDBA_MDB_HOST);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, MDBA_MDB_HOSTATTR_ADDRESS, ETH_ALEN, h->addr) ||
	    nla_put_u8(skb, MDBA_MDB_HOSTATTR_STATE,
		       is_static ? MDB_PERMANENT : MDB_TEMPORARY) ||
	    nla_put_u32(skb, MDBA_MDB_HOSTATTR_TIMER, timer) ||
	    nla_put_u8(skb, MDBA_MDB_HOSTATTR_GROUP_MODE, h->filter_mode))
		goto cancel;

	if (h->nsrcs) {
		list = nla_nest_start(skb, MDBA_MDB_HOSTATTR_SRC_LIST);
		if (!list)
			goto cancel;
		for (i = 0; i < h->nsrcs; i++) {
			ent = nla_nest_start(skb, MDBA_MDB_SRCLIST_ENTRY);
			if (!ent ||
			    nla_put(skb, MDBA_MDB_SRCATTR_ADDRESS, asz,
				    &h->srcs[i]))
				goto cancel;
			nla_nest_end(skb, ent);
		}
		nla_nest_end(skb, list);
	}
	nla_nest_end(skb, nest);

	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Put PG's live hosts into SKB. With HOSTS NULL, all of them or nothing
 * (-EMSGSIZE). For a dump, HOSTS is how many to skip, those that an earlier
 * message carried: as many as fit go in, and HOSTS becomes the number to
 * skip in the next message, or 0 once the list is complete. A host list
 * longer than a message can hold (about 800 hosts without sources) is thus
 * split over several messages, each repeating the port group's entry.
 * -EMSGSIZE only when not even one host fits.
 *
 * Called with multicast_lock held or under RCU.
 */
int br_m2u_mdb_fill(struct sk_buff *skb, const struct net_bridge_port_group *pg,
		    unsigned int *hosts)
{
	unsigned int skip = hosts ? *hosts : 0, i = 0;
	size_t asz = br_m2u_addr_size(pg);
	const struct br_m2u_host *h;
	unsigned long now = jiffies;
	struct nlattr *nest;

	if (hlist_empty(&pg->m2u_hosts))
		goto done;

	nest = nla_nest_start(skb, MDBA_MDB_EATTR_HOSTS);
	if (!nest)
		return -EMSGSIZE;
	hlist_for_each_entry_rcu(h, &pg->m2u_hosts, node,
				 lockdep_is_held(&pg->key.port->br->multicast_lock)) {
		if (!br_m2u_host_live(h, now))
			continue;
		if (i++ < skip)
			continue;
		if (br_m2u_host_fill(skb, h, asz, now)) {
			if (!hosts || i - 1 == skip) {
				nla_nest_cancel(skb, nest);
				return -EMSGSIZE;
			}
			nla_nest_end(skb, nest);
			*hosts = i - 1;
			return 0;
		}
	}
	nla_nest_end(skb, nest);
done:
	if (hosts)
		*hosts = 0;

	return 0;
}

int br_m2u_mdb_validate(const struct br_mdb_config *cfg,
			struct nlattr **mdb_attrs,
			struct netlink_ext_ack *extack)
{
	struct nlattr *attr = mdb_attrs[MDBE_ATTR_HOST_ADDR];
	const u8 *addr = nla_data(attr);

	if (!cfg->p) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Per-host entries need a bridge port, not the bridge");
		return -EINVAL;
	}
	if (br_group_is_l2(&cfg->group)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Per-host entries need an IPv4 or IPv6 group");
		return -EINVAL;
	}
	if (!br_multicast_is_star_g(&cfg->group)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Per-host entries cannot have a source");
		return -EINVAL;
	}
	if (mdb_attrs[MDBE_ATTR_GROUP_MODE] || mdb_attrs[MDBE_ATTR_SRC_LIST]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Per-host entries take no filter mode or source list");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "Host address must be a unicast MAC address");
		return -EINVAL;
	}

	return 0;
}

/* Add a static record for CFG's host to PG, a permanent (*, G) EXCLUDE port
 * group, which from then on delivers per host.
 */
int br_m2u_mdb_add(struct net_bridge_port_group *pg,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack)
{
	struct br_m2u_host *old, *h;

	old = br_m2u_host_find(pg, cfg->host_addr);
	if (old && (old->flags & BR_M2U_HOST_STATIC)) {
		if (cfg->nlflags & NLM_F_REPLACE)
			return 0;
		NL_SET_ERR_MSG_MOD(extack, "Host already has a permanent entry here");
		return -EEXIST;
	}
	if (!old && pg->m2u_nhosts >= BR_M2U_MAX_HOSTS) {
		NL_SET_ERR_MSG_MOD(extack, "Too many hosts for this group on this port");
		return -ENOSPC;
	}

	h = br_m2u_host_alloc(cfg->host_addr, MCAST_EXCLUDE, NULL, 0);
	if (!h)
		return -ENOMEM;
	h->flags = BR_M2U_HOST_STATIC;
	br_m2u_host_publish(pg, old, h);
	pg->flags |= MDB_PG_FLAGS_M2U_OWNED;

	return 0;
}

/* Delete CFG's host record from MP's port group on CFG's port. When the last
 * permanent host of a port group that exists for them goes, the port group
 * goes too, or becomes dynamic again if hosts that reported still listen.
 */
int br_m2u_mdb_del(struct net_bridge_mdb_entry *mp,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack)
{
	struct net_bridge *br = mp->br;
	struct net_bridge_port_group __rcu **pp;
	struct net_bridge_port_group *pg;
	unsigned long now = jiffies;
	struct br_m2u_host *h;

	for (pp = &mp->ports; (pg = mlock_dereference(*pp, br)) != NULL;
	     pp = &pg->next)
		if (pg->key.port == cfg->p)
			break;

	h = pg ? br_m2u_host_find(pg, cfg->host_addr) : NULL;
	if (!h || !br_m2u_host_live(h, now)) {
		NL_SET_ERR_MSG_MOD(extack, "Host has no entry for this group on this port");
		return -ENOENT;
	}

	br_m2u_host_del(pg, h);
	br_m2u_purge_find(pg, NULL, now);
	if (!(pg->flags & MDB_PG_FLAGS_M2U_OWNED))
		goto notify;

	hlist_for_each_entry(h, &pg->m2u_hosts, node)
		if (h->flags & BR_M2U_HOST_STATIC)
			goto notify;

	if (hlist_empty(&pg->m2u_hosts)) {
		br_multicast_del_pg(mp, pg, pp);
		return 0;
	}

	pg->flags &= ~(MDB_PG_FLAGS_PERMANENT | MDB_PG_FLAGS_M2U_OWNED);
	pg->rt_protocol = RTPROT_KERNEL;
	mod_timer(&pg->timer,
		  now + br->multicast_ctx.multicast_membership_interval);
notify:
	br_mdb_notify(br->dev, mp, pg, RTM_NEWMDB);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* Bridge multicast-to-unicast.
 *
 * A port with mcast_to_unicast on sends a multicast frame as one unicast copy
 * to each host behind it that asked for the frame's group and source. The
 * hosts are recorded per (*, G) port group, by MAC address, from their
 * IGMP/MLD reports: each record holds the host's own filter mode and source
 * list (what its last report said) and its own membership timer. Only
 * converting ports record hosts; a port without the flag keeps what upstream
 * keeps, except the permanent per-host entries an administrator adds.
 *
 * Delivery never depends on a record alone. A port group goes out as one
 * multicast copy, as without conversion, whenever it may have listeners
 * without a record: while the port learns its hosts after conversion was
 * switched on (it sends a general query then), when it has no record at all,
 * when the per-port host limit or an allocation failure refused a record,
 * and for an administrator's entry made for the whole port.
 *
 * Records are changed under br->multicast_lock and read under RCU; a record
 * is never changed in place except for its timer, it is replaced. Deleted
 * records go through the bridge's multicast GC, which stops their timers
 * before they are freed.
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
#include <net/rtnetlink.h>

#include "br_private.h"
#include "br_private_m2u.h"

#define BR_M2U_HOST_STATIC	BIT(0)

/* Listeners a query is copied to at most, after duplicates are removed. */
#define BR_M2U_QUERY_MAX	256

/* The port's counters, in the order of IFLA_BRPORT_M2U_STATS_*. */
enum {
	BR_M2U_CONVERTED,
	BR_M2U_COPIES,
	BR_M2U_FANOUT_FALLBACK,
	BR_M2U_ECHO_SKIPPED,
	BR_M2U_ALLOC_DROPS,
	BR_M2U_QUERY_COPIES,
	BR_M2U_UNRECORDED_FALLBACK,
	BR_M2U_LIMIT_FALLBACK,
	BR_M2U_NSTATS
};

struct br_m2u_stats {
	u64_stats_t		v[BR_M2U_NSTATS];
	struct u64_stats_sync	syncp;
};

/* A port's multicast-to-unicast state, allocated the first time the port
 * needs it (conversion switched on, an option set, a per-host entry added)
 * and kept until the port is deleted.
 */
struct br_m2u_port {
	struct net_bridge_port		*port;
	struct br_m2u_stats __percpu	*stats;
	/* struct br_m2u_mac by (address, VLAN), under multicast_lock */
	struct rb_root			macs;
	/* sends general queries when conversion is switched on */
	struct timer_list		query_timer;
	/* until then the port learns its hosts: IPv4 and IPv6 groups */
	unsigned long			learn_until[2];
	/* general queries still to send (by family), and until when */
	u8				query_pending;
	unsigned long			query_until;
	u32				hosts_limit;
	u32				hosts_cnt;
	u32				fanout;
	/* conversion on and set up: hosts are recorded, frames converted */
	bool				active;
	struct rcu_head			rcu;
};

/* A host behind a port, in a VLAN, with the number of its IPv4 and IPv6
 * records: the receivers of a general query's unicast copies.
 */
struct br_m2u_mac {
	struct rb_node			rb_node;
	unsigned char			addr[ETH_ALEN] __aligned(2);
	u16				vid;
	u32				groups[2];
};

/* The host records of one (*, G) port group. */
struct br_m2u_pg {
	/* struct br_m2u_host by address, under multicast_lock */
	struct rb_root			tree;
	/* the same records, for RCU readers */
	struct hlist_head		list;
	/* until then some listener has no record: the limit or an allocation
	 * failure refused it, or an administrator added the port group for
	 * the whole port with a timer
	 */
	unsigned long			refused_until;
	unsigned long			unknown_until;
	u16				nhosts;
	u16				nstatic;
	struct rcu_head			rcu;
};

struct br_m2u_host {
	struct rb_node			rb_node;
	struct hlist_node		node;
	struct net_bridge_port_group	*pg;
	struct br_m2u_mac		*mac;
	struct timer_list		timer;
	struct net_bridge_mcast_gc	mcast_gc;
	struct rcu_head			rcu;
	unsigned char			addr[ETH_ALEN] __aligned(2);
	u8				flags;
	u8				filter_mode;
	u8				nsrcs;
	/* nsrcs addresses of the group's family */
	u8				srcs[];
};

static int br_m2u_fam(const struct br_ip *ip)
{
	return ip->proto == htons(ETH_P_IP) ? 0 : 1;
}

static size_t br_m2u_addr_size(const struct br_ip *ip)
{
	return ip->proto == htons(ETH_P_IP) ? sizeof(__be32) :
					       sizeof(struct in6_addr);
}

/* Under multicast_lock or RTNL: the state changes under both. */
static struct br_m2u_port *br_m2u_port_get(const struct net_bridge_port *p)
{
	return rcu_dereference_protected(p->m2u,
					 lockdep_is_held(&p->br->multicast_lock) ||
					 lockdep_rtnl_is_held());
}

static struct br_m2u_pg *br_m2u_pg_get(const struct net_bridge_port_group *pg)
{
	return mlock_dereference(pg->m2u, pg->key.port->br);
}

/* Section: the port's state. */

static void br_m2u_query_timer_fn(struct timer_list *t);

/* Called under RTNL, in atomic context when a bridge lock is held. */
static struct br_m2u_port *br_m2u_port_alloc(struct net_bridge_port *p,
					     gfp_t gfp)
{
	struct br_m2u_port *pm = br_m2u_port_get(p);
	int cpu;

	if (pm)
		return pm;

	pm = kzalloc(sizeof(*pm), gfp);
	if (!pm)
		return NULL;
	pm->stats = alloc_percpu_gfp(struct br_m2u_stats, gfp);
	if (!pm->stats) {
		kfree(pm);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(pm->stats, cpu)->syncp);

	pm->port = p;
	pm->macs = RB_ROOT;
	pm->learn_until[0] = jiffies;
	pm->learn_until[1] = jiffies;
	pm->hosts_limit = BR_M2U_HOSTS_LIMIT_DEFAULT;
	timer_setup(&pm->query_timer, br_m2u_query_timer_fn, 0);
	rcu_assign_pointer(p->m2u, pm);

	return pm;
}

static void br_m2u_port_free_rcu(struct rcu_head *head)
{
	struct br_m2u_port *pm = container_of(head, struct br_m2u_port, rcu);

	free_percpu(pm->stats);
	kfree(pm);
}

/* The port is being deleted: its port groups, and with them its records,
 * are gone.
 */
void br_m2u_port_fini(struct net_bridge_port *p)
{
	struct br_m2u_port *pm = rcu_dereference_protected(p->m2u, 1);

	if (!pm)
		return;

	timer_shutdown_sync(&pm->query_timer);
	WARN_ON(!RB_EMPTY_ROOT(&pm->macs) || pm->hosts_cnt);
	RCU_INIT_POINTER(p->m2u, NULL);
	call_rcu(&pm->rcu, br_m2u_port_free_rcu);
}

/* Add N to counter I of PM's port. In BH context. */
static void br_m2u_count(struct br_m2u_port *pm, int i, u64 n)
{
	struct br_m2u_stats *s = this_cpu_ptr(pm->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add(&s->v[i], n);
	u64_stats_update_end(&s->syncp);
}

/* Section: host records. */

static struct br_m2u_host *br_m2u_host_find(const struct br_m2u_pg *mpg,
					    const unsigned char *addr)
{
	struct rb_node *node = mpg->tree.rb_node;

	while (node) {
		struct br_m2u_host *h = rb_entry(node, struct br_m2u_host,
						 rb_node);
		int cmp = memcmp(addr, h->addr, ETH_ALEN);

		if (cmp < 0)
			node = node->rb_left;
		else if (cmp > 0)
			node = node->rb_right;
		else
			return h;
	}

	return NULL;
}

static void br_m2u_host_link(struct br_m2u_pg *mpg, struct br_m2u_host *new)
{
	struct rb_node **link = &mpg->tree.rb_node, *parent = NULL;

	while (*link) {
		struct br_m2u_host *h = rb_entry(*link, struct br_m2u_host,
						 rb_node);

		parent = *link;
		if (memcmp(new->addr, h->addr, ETH_ALEN) < 0)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&new->rb_node, parent, link);
	rb_insert_color(&new->rb_node, &mpg->tree);
	hlist_add_head_rcu(&new->node, &mpg->list);
}

static int br_m2u_mac_cmp(const unsigned char *addr, u16 vid,
			  const struct br_m2u_mac *m)
{
	int cmp = memcmp(addr, m->addr, ETH_ALEN);

	if (cmp)
		return cmp;
	return (int)vid - (int)m->vid;
}

/* The port's entry for ADDR in VID; NEW, when given, is inserted if there
 * is none, and NULL is returned then.
 */
static struct br_m2u_mac *br_m2u_mac_find(struct br_m2u_port *pm,
					  const unsigned char *addr, u16 vid,
					  struct br_m2u_mac *new)
{
	struct rb_node **link = &pm->macs.rb_node, *parent = NULL;

	while (*link) {
		struct br_m2u_mac *m = rb_entry(*link, struct br_m2u_mac,
						rb_node);
		int cmp = br_m2u_mac_cmp(addr, vid, m);

		parent = *link;
		if (cmp < 0)
			link = &parent->rb_left;
		else if (cmp > 0)
			link = &parent->rb_right;
		else
			return m;
	}
	if (new) {
		ether_addr_copy(new->addr, addr);
		new->vid = vid;
		rb_link_node(&new->rb_node, parent, link);
		rb_insert_color(&new->rb_node, &pm->macs);
	}

	return NULL;
}

static void br_m2u_mac_put(struct br_m2u_port *pm, struct br_m2u_mac *m,
			   int fam)
{
	m->groups[fam]--;
	if (m->groups[0] || m->groups[1])
		return;
	rb_erase(&m->rb_node, &pm->macs);
	kfree(m);
}

static void br_m2u_host_destroy(struct net_bridge_mcast_gc *gc)
{
	struct br_m2u_host *h = container_of(gc, struct br_m2u_host, mcast_gc);

	timer_shutdown_sync(&h->timer);
	kfree_rcu(h, rcu);
}

static void br_m2u_host_expired(struct timer_list *t);

static struct br_m2u_host *br_m2u_host_alloc(struct net_bridge_port_group *pg,
					     const unsigned char *addr,
					     u8 filter_mode, const u8 *srcs,
					     u8 nsrcs)
{
	size_t len = nsrcs ? nsrcs * br_m2u_addr_size(&pg->key.addr) : 0;
	struct br_m2u_host *h;

	h = kzalloc(struct_size(h, srcs, len), GFP_ATOMIC);
	if (!h)
		return NULL;

	h->pg = pg;
	ether_addr_copy(h->addr, addr);
	h->filter_mode = filter_mode;
	h->nsrcs = nsrcs;
	if (len)
		memcpy(h->srcs, srcs, len);
	RB_CLEAR_NODE(&h->rb_node);
	timer_setup(&h->timer, br_m2u_host_expired, 0);
	h->mcast_gc.destroy = br_m2u_host_destroy;

	return h;
}

static void br_m2u_host_free(struct br_m2u_host *h)
{
	kfree(h);
}

static void br_m2u_host_notify(struct net_bridge *br,
			       const struct br_m2u_host *h, int type);

/* Unlink H and hand it to the multicast GC. Under multicast_lock. */
static void br_m2u_host_unlink(struct br_m2u_port *pm, struct br_m2u_pg *mpg,
			       struct br_m2u_host *h)
{
	struct net_bridge *br = pm->port->br;

	rb_erase(&h->rb_node, &mpg->tree);
	RB_CLEAR_NODE(&h->rb_node);
	hlist_del_rcu(&h->node);
	timer_delete(&h->timer);
	hlist_add_head(&h->mcast_gc.gc_node, &br->mcast_gc_list);
	queue_work(system_long_wq, &br->mcast_gc_work);
}

/* Delete H, a record of PG, and tell listeners that it is gone. */
static void br_m2u_host_del(struct br_m2u_port *pm, struct br_m2u_pg *mpg,
			    struct br_m2u_host *h)
{
	br_m2u_host_notify(pm->port->br, h, RTM_DELMDB);
	mpg->nhosts--;
	if (h->flags & BR_M2U_HOST_STATIC)
		mpg->nstatic--;
	WRITE_ONCE(pm->hosts_cnt, pm->hosts_cnt - 1);
	br_m2u_mac_put(pm, h->mac, br_m2u_fam(&h->pg->key.addr));
	h->mac = NULL;
	br_m2u_host_unlink(pm, mpg, h);
}

/* Record NEW for PG, in place of OLD if given, which goes. MAC and MPG are
 * the host's entry and PG's records, both already in place.
 */
static void br_m2u_host_add(struct br_m2u_port *pm, struct br_m2u_pg *mpg,
			    struct br_m2u_mac *mac, struct br_m2u_host *old,
			    struct br_m2u_host *new)
{
	new->mac = mac;
	if (new->flags & BR_M2U_HOST_STATIC)
		mpg->nstatic++;
	if (old) {
		if (old->flags & BR_M2U_HOST_STATIC)
			mpg->nstatic--;
		rb_replace_node(&old->rb_node, &new->rb_node, &mpg->tree);
		RB_CLEAR_NODE(&old->rb_node);
		hlist_replace_rcu(&old->node, &new->node);
		old->mac = NULL;
		timer_delete(&old->timer);
		hlist_add_head(&old->mcast_gc.gc_node,
			       &pm->port->br->mcast_gc_list);
		queue_work(system_long_wq, &pm->port->br->mcast_gc_work);
	} else {
		br_m2u_host_link(mpg, new);
		mac->groups[br_m2u_fam(&new->pg->key.addr)]++;
		mpg->nhosts++;
		WRITE_ONCE(pm->hosts_cnt, pm->hosts_cnt + 1);
	}
	br_m2u_host_notify(pm->port->br, new, RTM_NEWMDB);
}

static struct br_m2u_pg *br_m2u_pg_alloc(void)
{
	struct br_m2u_pg *mpg = kzalloc(sizeof(*mpg), GFP_ATOMIC);

	if (!mpg)
		return NULL;
	mpg->tree = RB_ROOT;
	INIT_HLIST_HEAD(&mpg->list);
	mpg->refused_until = jiffies;
	mpg->unknown_until = jiffies;

	return mpg;
}

/* PG's records, allocated if PG has none yet; NULL without memory. */
static struct br_m2u_pg *br_m2u_pg_need(struct net_bridge_port_group *pg)
{
	struct br_m2u_pg *mpg = br_m2u_pg_get(pg);

	if (mpg)
		return mpg;
	mpg = br_m2u_pg_alloc();
	if (mpg)
		rcu_assign_pointer(pg->m2u, mpg);

	return mpg;
}

static bool br_m2u_pg_marked(const struct br_m2u_pg *mpg, unsigned long now)
{
	return time_before(now, READ_ONCE(mpg->refused_until)) ||
	       time_before(now, READ_ONCE(mpg->unknown_until));
}

/* Free PG's records once it has none and nothing to remember. */
static void br_m2u_pg_put(struct net_bridge_port_group *pg)
{
	struct br_m2u_pg *mpg = br_m2u_pg_get(pg);

	if (!mpg || mpg->nhosts || br_m2u_pg_marked(mpg, jiffies))
		return;
	RCU_INIT_POINTER(pg->m2u, NULL);
	kfree_rcu(mpg, rcu);
}

/* PG is being deleted: its records go with it. */
void br_m2u_pg_flush(struct net_bridge_port_group *pg)
{
	struct br_m2u_pg *mpg = br_m2u_pg_get(pg);
	struct br_m2u_port *pm = br_m2u_port_get(pg->key.port);
	struct rb_node *node;

	if (!mpg)
		return;

	while ((node = rb_first(&mpg->tree)))
		br_m2u_host_del(pm, mpg,
				rb_entry(node, struct br_m2u_host, rb_node));
	RCU_INIT_POINTER(pg->m2u, NULL);
	kfree_rcu(mpg, rcu);
}

/* Some listener of PG could not be recorded: PG gets one multicast copy
 * until a membership interval after the last such report.
 */
static void br_m2u_refused(struct net_bridge_mcast *brmctx,
			   struct net_bridge_port_group *pg)
{
	struct br_m2u_pg *mpg = br_m2u_pg_need(pg);

	if (mpg)
		WRITE_ONCE(mpg->refused_until,
			   jiffies + brmctx->multicast_membership_interval);
}

/* The port converts, and PG may go as soon as its last record does. */
static bool br_m2u_pg_may_go(const struct br_m2u_port *pm,
			     const struct net_bridge_port_group *pg,
			     const struct br_m2u_pg *mpg, unsigned long now)
{
	return pm->active && !mpg->nhosts && !br_m2u_pg_marked(mpg, now) &&
	       !time_before(now, pm->learn_until[br_m2u_fam(&pg->key.addr)]) &&
	       !(pg->flags & MDB_PG_FLAGS_PERMANENT) &&
	       !hlist_unhashed(&pg->mglist);
}

static void br_m2u_host_expired(struct timer_list *t)
{
	struct br_m2u_host *h = from_timer(h, t, timer);
	struct net_bridge_port_group *pg = h->pg;
	struct net_bridge *br = pg->key.port->br;
	struct net_bridge_port_group __rcu **pp;
	struct net_bridge_mdb_entry *mp;
	struct net_bridge_port_group *p;
	struct br_m2u_port *pm;
	struct br_m2u_pg *mpg;

	spin_lock(&br->multicast_lock);
	if (RB_EMPTY_NODE(&h->rb_node) || timer_pending(&h->timer))
		goto out;

	pm = br_m2u_port_get(pg->key.port);
	mpg = br_m2u_pg_get(pg);
	br_m2u_host_del(pm, mpg, h);

	/* The last recorded listener is gone, and no other is known: the
	 * port group goes too, rather than sending multicast to nobody until
	 * its own timer runs out.
	 */
	if (!br_m2u_pg_may_go(pm, pg, mpg, jiffies)) {
		br_m2u_pg_put(pg);
		goto out;
	}
	mp = br_mdb_ip_get(br, &pg->key.addr);
	if (!mp)
		goto out;
	for (pp = &mp->ports; (p = mlock_dereference(*pp, br)) != NULL;
	     pp = &p->next) {
		if (p == pg) {
			br_multicast_del_pg(mp, pg, pp);
			break;
		}
	}
out:
	spin_unlock(&br->multicast_lock);
}

/* Section: reports and leaves. */

static bool br_m2u_src_valid(const u8 *src, size_t asz)
{
	if (asz == sizeof(__be32)) {
		__be32 ip4;

		memcpy(&ip4, src, sizeof(ip4));
		return !ipv4_is_zeronet(ip4) && !ipv4_is_multicast(ip4);
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct in6_addr ip6;

		memcpy(&ip6, src, sizeof(ip6));
		return !ipv6_addr_any(&ip6) && !ipv6_addr_is_multicast(&ip6);
	}
#else
	return false;
#endif
}

static bool br_m2u_src_has(const u8 *set, u16 n, const u8 *src, size_t asz)
{
	u16 i;

	for (i = 0; i < n; i++)
		if (!memcmp(set + i * asz, src, asz))
			return true;

	return false;
}

/* The sources that a record of TYPE with NSRCS sources at SRCS leaves a
 * host with, given its record OLD (or none), into OUT (room for
 * BR_M2U_MAX_SRCS). Sources upstream would not keep (zero, multicast) are
 * left out. Returns the count, or -E2BIG when they do not fit.
 */
static int br_m2u_srcs_merge(const struct br_m2u_host *old, bool old_incl,
			     u8 type, const u8 *srcs, u16 nsrcs, size_t asz,
			     u8 *out)
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
			const u8 *s = old->srcs + i * asz;

			if (del_new && br_m2u_src_has(srcs, nsrcs, s, asz))
				continue;
			memcpy(out + n++ * asz, s, asz);
		}
	}

	if (add_new) {
		for (i = 0; i < nsrcs; i++) {
			const u8 *s = srcs + i * asz;

			if (!br_m2u_src_valid(s, asz) ||
			    br_m2u_src_has(out, n, s, asz))
				continue;
			if (n == BR_M2U_MAX_SRCS)
				return -E2BIG;
			memcpy(out + n++ * asz, s, asz);
		}
	}

	return n;
}

static unsigned long br_m2u_lmqt(const struct net_bridge_mcast *brmctx)
{
	return brmctx->multicast_last_member_count *
	       brmctx->multicast_last_member_interval;
}

/* Host H said it left PG's group. With fast leave its record goes at once.
 * Without, the port group's last member queries ask whether anyone behind
 * that address still listens, as upstream asks for a port group: the
 * record runs out after the last member query time unless it is refreshed.
 * The last record is left to the port group's own timer.
 */
static void br_m2u_host_left(struct net_bridge_mcast *brmctx,
			     struct br_m2u_port *pm,
			     struct net_bridge_port_group *pg,
			     struct br_m2u_pg *mpg, struct br_m2u_host *h)
{
	unsigned long time = jiffies + br_m2u_lmqt(brmctx);

	if (pg->key.port->flags & BR_MULTICAST_FAST_LEAVE) {
		br_m2u_host_del(pm, mpg, h);
		br_m2u_pg_put(pg);
		return;
	}
	if (mpg->nhosts > 1 && time_after(h->timer.expires, time))
		mod_timer(&h->timer, time);
}

static bool br_m2u_port_converts(const struct net_bridge_port *p,
				 struct br_m2u_port **pmp)
{
	struct br_m2u_port *pm;

	if (!(p->flags & BR_MULTICAST_TO_UNICAST))
		return false;
	pm = br_m2u_port_get(p);
	if (!pm || !pm->active)
		return false;
	*pmp = pm;

	return true;
}

/* Host ADDR sent a group record of TYPE (an IGMPv3 record type; MLDv2 uses
 * the same values) for PG's group, with NSRCS sources at SRCS. An
 * IGMPv2/MLDv1 report is IS_EXCLUDE with no sources. Called with
 * multicast_lock held, before upstream updates PG.
 */
void br_m2u_host_report(struct net_bridge_mcast *brmctx,
			struct net_bridge_port_group *pg,
			const unsigned char *addr, u8 type,
			const void *srcs, u16 nsrcs)
{
	size_t asz = br_m2u_addr_size(&pg->key.addr);
	struct br_m2u_mac *mac = NULL, *new_mac;
	struct br_m2u_host *old = NULL, *h;
	struct br_m2u_pg *mpg, *new_mpg;
	bool incl, old_incl;
	struct br_m2u_port *pm;
	u8 *set = NULL;
	int n = 0;

	if (!br_m2u_port_converts(pg->key.port, &pm) ||
	    !br_multicast_is_star_g(&pg->key.addr) ||
	    !is_valid_ether_addr(addr))
		return;

	mpg = br_m2u_pg_get(pg);
	if (mpg)
		old = br_m2u_host_find(mpg, addr);
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

	if (nsrcs || (old && old->nsrcs)) {
		set = kmalloc_array(BR_M2U_MAX_SRCS, asz, GFP_ATOMIC);
		n = set ? br_m2u_srcs_merge(old, old_incl, type, srcs, nsrcs,
					    asz, set) : -ENOMEM;
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
			br_m2u_host_left(brmctx, pm, pg, mpg, old);
		goto out;
	}

	if (old && old->filter_mode == (incl ? MCAST_INCLUDE : MCAST_EXCLUDE) &&
	    old->nsrcs == n && (!n || !memcmp(old->srcs, set, n * asz))) {
		mod_timer(&old->timer,
			  jiffies + brmctx->multicast_membership_interval);
		goto out;
	}

	if (!old && READ_ONCE(pm->hosts_cnt) >= READ_ONCE(pm->hosts_limit)) {
		br_m2u_refused(brmctx, pg);
		goto out;
	}

	h = br_m2u_host_alloc(pg, addr, incl ? MCAST_INCLUDE : MCAST_EXCLUDE,
			      set, n);
	new_mpg = mpg ? NULL : br_m2u_pg_alloc();
	new_mac = old ? NULL : kzalloc(sizeof(*new_mac), GFP_ATOMIC);
	if (!h || (!mpg && !new_mpg) || (!old && !new_mac)) {
		br_m2u_host_free(h);
		kfree(new_mpg);
		kfree(new_mac);
		br_m2u_refused(brmctx, pg);
		goto out;
	}

	if (!mpg) {
		mpg = new_mpg;
		rcu_assign_pointer(pg->m2u, mpg);
	}
	if (old) {
		mac = old->mac;
	} else {
		mac = br_m2u_mac_find(pm, addr, pg->key.addr.vid, new_mac);
		if (mac)
			kfree(new_mac);
		else
			mac = new_mac;
	}
	mod_timer(&h->timer, jiffies + brmctx->multicast_membership_interval);
	br_m2u_host_add(pm, mpg, mac, old, h);
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

/* Host ADDR sent an IGMPv2 leave or MLDv1 done for MP's group on PORT.
 * Returns true when the leave concerns that host alone and upstream must
 * leave the port group as it is: with fast leave, while other listeners of
 * the port are known.
 */
bool br_m2u_host_leave(struct net_bridge_mcast *brmctx,
		       struct net_bridge_mdb_entry *mp,
		       struct net_bridge_port *port,
		       const unsigned char *addr)
{
	struct net_bridge_port_group *pg;
	struct br_m2u_host *h = NULL;
	struct br_m2u_port *pm;
	struct br_m2u_pg *mpg;

	if (!br_m2u_port_converts(port, &pm))
		return false;
	pg = br_m2u_port_pg(mp, port);
	mpg = pg ? br_m2u_pg_get(pg) : NULL;
	if (!mpg)
		return false;

	h = br_m2u_host_find(mpg, addr);
	if (h && !(h->flags & BR_M2U_HOST_STATIC))
		br_m2u_host_left(brmctx, pm, pg, mpg, h);

	/* br_m2u_host_left() may have freed the records */
	mpg = br_m2u_pg_get(pg);
	if (!(port->flags & BR_MULTICAST_FAST_LEAVE) || !mpg)
		return false;

	return mpg->nhosts || br_m2u_pg_marked(mpg, jiffies);
}

/* Section: switching conversion on and off. */

/* The time by which the answers to a general query sent now are in: they
 * take up to the response interval, and half a second more to cross the
 * link (a dozing Wi-Fi station hears a multicast query only after the
 * next DTIM beacon) and to be processed.
 */
static unsigned long br_m2u_answered_by(const struct net_bridge_port *p)
{
	return jiffies + p->br->multicast_ctx.multicast_query_response_interval +
	       HZ / 2;
}

/* Conversion was switched on: listeners the port does not know yet keep
 * getting multicast while it learns them, from the answers to the general
 * queries it sends now, for a query response interval. A query that cannot
 * be sent yet (the port does not forward yet, the bridge has no IPv6
 * address yet) is tried again every second, for up to a query interval,
 * and its family learns until then.
 */
static void br_m2u_start(struct net_bridge_port *p, struct br_m2u_port *pm)
{
	unsigned long until = br_m2u_answered_by(p);

	WRITE_ONCE(pm->learn_until[0], until);
	WRITE_ONCE(pm->learn_until[1], until);
	pm->query_pending = BIT(0) | BIT(1);
	pm->query_until = jiffies + p->br->multicast_ctx.multicast_query_interval;
	WRITE_ONCE(pm->active, true);
	mod_timer(&pm->query_timer, jiffies);
}

/* Conversion was switched off: the port keeps no records but the
 * permanent ones of its per-host entries.
 */
static void br_m2u_stop(struct net_bridge_port *p, struct br_m2u_port *pm)
{
	struct net_bridge_port_group *pg;
	struct br_m2u_host *h;
	struct hlist_node *tmp;
	struct br_m2u_pg *mpg;

	WRITE_ONCE(pm->active, false);
	timer_delete(&pm->query_timer);
	hlist_for_each_entry(pg, &p->mglist, mglist) {
		mpg = br_m2u_pg_get(pg);
		if (!mpg)
			continue;
		hlist_for_each_entry_safe(h, tmp, &mpg->list, node)
			if (!(h->flags & BR_M2U_HOST_STATIC))
				br_m2u_host_del(pm, mpg, h);
		WRITE_ONCE(mpg->refused_until, jiffies);
		WRITE_ONCE(mpg->unknown_until, jiffies);
		br_m2u_pg_put(pg);
	}
}

/* br_port_flags_change(): under RTNL and the bridge's lock, from netlink
 * and from sysfs alike.
 */
void br_m2u_port_flags_change(struct net_bridge_port *p, unsigned long mask)
{
	struct net_bridge *br = p->br;
	struct br_m2u_port *pm;

	if (!(mask & BR_MULTICAST_TO_UNICAST))
		return;

	if (p->flags & BR_MULTICAST_TO_UNICAST) {
		/* Without memory the port keeps sending multicast. */
		pm = br_m2u_port_alloc(p, GFP_ATOMIC);
		if (!pm)
			return;
		spin_lock_bh(&br->multicast_lock);
		br_m2u_start(p, pm);
		spin_unlock_bh(&br->multicast_lock);
	} else {
		pm = br_m2u_port_get(p);
		if (!pm)
			return;
		spin_lock_bh(&br->multicast_lock);
		br_m2u_stop(p, pm);
		spin_unlock_bh(&br->multicast_lock);
	}
}

/* The port forwards again, or snooping was switched on again: its port
 * groups are gone, and the hosts behind it are learnt anew as when
 * conversion is switched on. Under multicast_lock.
 */
void br_m2u_port_enabled(struct net_bridge_port *p)
{
	struct br_m2u_port *pm;

	if (br_m2u_port_converts(p, &pm))
		br_m2u_start(p, pm);
}

static void br_m2u_query_timer_fn(struct timer_list *t)
{
	struct br_m2u_port *pm = from_timer(pm, t, query_timer);
	static const __be16 protos[2] = {
		htons(ETH_P_IP), htons(ETH_P_IPV6)
	};
	struct net_bridge_port *p = pm->port;
	struct net_bridge *br = p->br;
	int fam;

	rcu_read_lock();
	spin_lock(&br->multicast_lock);
	if (!pm->active || !br_opt_get(br, BROPT_MULTICAST_ENABLED))
		goto out;
	for (fam = 0; fam < 2; fam++) {
		if (!(pm->query_pending & BIT(fam)))
			continue;
		if (!IS_ENABLED(CONFIG_IPV6) && fam) {
			pm->query_pending &= ~BIT(fam);
		} else if (br_multicast_port_query_general(p, protos[fam])) {
			pm->query_pending &= ~BIT(fam);
			WRITE_ONCE(pm->learn_until[fam], br_m2u_answered_by(p));
		} else if (time_before(jiffies, pm->query_until)) {
			WRITE_ONCE(pm->learn_until[fam],
				   br_m2u_answered_by(p) + HZ);
		} else {
			/* Given up: another querier's queries will tell. */
			pm->query_pending &= ~BIT(fam);
		}
	}
	if (pm->query_pending)
		mod_timer(&pm->query_timer, jiffies + HZ);
out:
	spin_unlock(&br->multicast_lock);
	rcu_read_unlock();
}

/* Section: delivery. */

static bool br_m2u_host_wants(const struct br_m2u_host *h,
			      const struct sk_buff *skb, __be16 proto)
{
	const void *saddr;
	size_t asz;

	if (!h->nsrcs)
		return h->filter_mode == MCAST_EXCLUDE;

	if (proto == htons(ETH_P_IP)) {
		saddr = &ip_hdr(skb)->saddr;
		asz = sizeof(__be32);
#if IS_ENABLED(CONFIG_IPV6)
	} else if (proto == htons(ETH_P_IPV6)) {
		saddr = &ipv6_hdr(skb)->saddr;
		asz = sizeof(struct in6_addr);
#endif
	} else {
		return false;
	}

	return br_m2u_src_has(h->srcs, h->nsrcs, saddr, asz) ==
	       (h->filter_mode == MCAST_INCLUDE);
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
 * duplicates only the headers, however long the payload. The fragments are
 * marked shared, so that whoever would write into one copy's payload in
 * place (ESP, for one) copies it first. Returns NULL when that is not
 * possible or not worth it: the copies are then made of SKB whole, one by
 * one. SKB's data starts at its network header.
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

	t = __alloc_skb(headroom + hlen, GFP_ATOMIC,
			skb_pfmemalloc(skb) ? SKB_ALLOC_RX : 0, NUMA_NO_NODE);
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
	ti->flags |= SKBFL_SHARED_FRAG;
	t->len = skb->len + ETH_HLEN;
	t->data_len = t->len - hlen;
	t->truesize += t->data_len;
	/* Same headroom: the header offsets carry over as they are. */
	skb_copy_header(t, skb);
	t->pfmemalloc = skb->pfmemalloc || page_is_pfmemalloc(page);
	__skb_pull(t, ETH_HLEN);

	return t;
}

/* A copy of SKB (data at its network header) with a head of its own, where
 * the Ethernet header may be rewritten; NULL without memory. Fragments that
 * the copy shares with SKB are marked shared in both.
 */
static struct sk_buff *br_m2u_copy(struct sk_buff *skb)
{
	struct sk_buff *nskb;

	__skb_push(skb, ETH_HLEN);
	nskb = pskb_copy(skb, GFP_ATOMIC);
	__skb_pull(skb, ETH_HLEN);
	if (!nskb)
		return NULL;

	__skb_pull(nskb, ETH_HLEN);
	if (skb_shinfo(nskb)->nr_frags) {
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
		skb_shinfo(nskb)->flags |= SKBFL_SHARED_FRAG;
	}
	if (skb->pfmemalloc)
		nskb->pfmemalloc = true;

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
 * instead: for an entry added for the whole port, while some listener has
 * no record (the port is learning its hosts, the limit refused one, or none
 * is recorded at all) and past the fanout limit. Called under RCU.
 *
 * With more than one host, the copies share the payload (br_m2u_share()):
 * it is copied once per frame, not once per host.
 */
bool br_m2u_flood(struct net_bridge_port_group *pg, struct sk_buff *skb,
		  bool local_orig)
{
	unsigned int n = 0, seen = 0, copies = 0, echo = 0, drops = 0;
	const unsigned char *sa = eth_hdr(skb)->h_source;
	struct net_bridge_port *p = pg->key.port;
	__be16 proto = pg->key.addr.proto;
	struct net_bridge_port_group *star;
	bool hairpin = skb->dev == p->dev;
	const unsigned char *to = NULL;
	struct sk_buff *shared = NULL;
	unsigned long now = jiffies;
	struct br_m2u_stats *stats;
	struct br_m2u_port *pm;
	struct br_m2u_host *h;
	struct br_m2u_pg *mpg;
	bool tried = false;
	u32 fanout;

	pm = rcu_dereference(p->m2u);
	if (!pm || !READ_ONCE(pm->active))
		return false;
	star = br_m2u_star_pg_rcu(pg);
	if (!star)
		return false;
	/* An entry added for the whole port, not per host. */
	if ((star->flags & (MDB_PG_FLAGS_PERMANENT | MDB_PG_FLAGS_M2U_OWNED)) ==
	    MDB_PG_FLAGS_PERMANENT)
		return false;

	mpg = rcu_dereference(star->m2u);
	if (mpg && time_before(now, READ_ONCE(mpg->refused_until))) {
		br_m2u_count(pm, BR_M2U_LIMIT_FALLBACK, 1);
		return false;
	}
	if (!mpg || hlist_empty(&mpg->list) ||
	    time_before(now, READ_ONCE(mpg->unknown_until)) ||
	    time_before(now, READ_ONCE(pm->learn_until[br_m2u_fam(&pg->key.addr)])))
		goto unrecorded;

	fanout = READ_ONCE(pm->fanout);
	if (fanout) {
		hlist_for_each_entry_rcu(h, &mpg->list, node)
			if (br_m2u_host_wants(h, skb, proto) &&
			    !(hairpin && ether_addr_equal(h->addr, sa)))
				n++;
		if (n > fanout) {
			br_m2u_count(pm, BR_M2U_FANOUT_FALLBACK, 1);
			return false;
		}
	}

	/* Each host's copy is sent once the next host is known, so that the
	 * payload is shared only when there are two copies or more, and the
	 * last copy can be the shared frame itself.
	 */
	hlist_for_each_entry_rcu(h, &mpg->list, node) {
		seen++;
		if (!br_m2u_host_wants(h, skb, proto))
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
	/* The records went while the list was read (conversion switched
	 * off): the port gets its multicast copy.
	 */
	if (!seen)
		goto unrecorded;

	if (copies || echo || drops) {
		stats = this_cpu_ptr(pm->stats);
		u64_stats_update_begin(&stats->syncp);
		if (copies)
			u64_stats_inc(&stats->v[BR_M2U_CONVERTED]);
		u64_stats_add(&stats->v[BR_M2U_COPIES], copies);
		u64_stats_add(&stats->v[BR_M2U_ECHO_SKIPPED], echo);
		u64_stats_add(&stats->v[BR_M2U_ALLOC_DROPS], drops);
		u64_stats_update_end(&stats->syncp);
	}

	return true;

unrecorded:
	br_m2u_count(pm, BR_M2U_UNRECORDED_FALLBACK, 1);
	return false;
}

/* Section: unicast copies of queries. */

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

static bool br_m2u_query_general(const struct br_ip *grp)
{
	if (grp->proto == htons(ETH_P_IP))
		return !grp->dst.ip4;
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_addr_any(&grp->dst.ip6);
#else
	return true;
#endif
}

/* Collect in ADDRS (room for BR_M2U_QUERY_MAX) the hosts behind PM's port
 * that a query about GRP (its VLAN in grp->vid) concerns, each once: for a
 * general query every host with a record of the family, from the port's
 * list of hosts, in grp->vid only with ONE_VLAN; for a group-specific query
 * the hosts of that group. SKIP, if given, is left out. Returns their
 * number, or BR_M2U_QUERY_MAX + 1 if there are more. Under multicast_lock.
 */
static unsigned int br_m2u_query_hosts(struct br_m2u_port *pm,
				       const struct br_ip *grp, bool one_vlan,
				       const unsigned char *skip, u8 *addrs)
{
	struct net_bridge *br = pm->port->br;
	const unsigned char *last = NULL;
	struct net_bridge_port_group *pg;
	struct net_bridge_mdb_entry *mp;
	const struct br_m2u_host *h;
	const struct br_m2u_mac *m;
	int fam = br_m2u_fam(grp);
	unsigned int n = 0;
	struct rb_node *node;

	if (br_m2u_query_general(grp)) {
		for (node = rb_first(&pm->macs); node; node = rb_next(node)) {
			m = rb_entry(node, struct br_m2u_mac, rb_node);
			if (!m->groups[fam] || (one_vlan && m->vid != grp->vid) ||
			    (skip && ether_addr_equal(m->addr, skip)) ||
			    (last && ether_addr_equal(m->addr, last)))
				continue;
			if (n == BR_M2U_QUERY_MAX)
				return n + 1;
			ether_addr_copy(&addrs[n++ * ETH_ALEN], m->addr);
			last = m->addr;
		}
		return n;
	}

	mp = br_mdb_ip_get(br, (struct br_ip *)grp);
	pg = mp ? br_m2u_port_pg(mp, pm->port) : NULL;
	if (!pg || !br_m2u_pg_get(pg))
		return 0;
	for (node = rb_first(&br_m2u_pg_get(pg)->tree); node;
	     node = rb_next(node)) {
		h = rb_entry(node, struct br_m2u_host, rb_node);
		if (skip && ether_addr_equal(h->addr, skip))
			continue;
		if (n == BR_M2U_QUERY_MAX)
			return n + 1;
		ether_addr_copy(&addrs[n++ * ETH_ALEN], h->addr);
	}

	return n;
}

/* Send to PM's port one unicast copy of the query SKB (data at its network
 * header) per listener it concerns, beside the multicast query itself, which
 * the caller still sends: a host the bridge does not know yet, or no longer
 * knows, must hear queries too. OWN: the bridge's own query, sent as from
 * the bridge under multicast_lock; otherwise SKB is being flooded (local_orig
 * as br_flood()). A query with more listeners than the fanout limit, or
 * than BR_M2U_QUERY_MAX, gets no copies.
 */
static void br_m2u_query_copies(struct br_m2u_port *pm, struct sk_buff *skb,
				const struct br_ip *grp, bool one_vlan,
				bool own, bool local_orig)
{
	struct net_bridge_port *p = pm->port;
	const unsigned char *skip = NULL;
	unsigned int n, i, copies = 0;
	struct br_m2u_stats *stats;
	struct sk_buff *nskb;
	u32 fanout;
	u8 *addrs;

	if (!is_multicast_ether_addr(eth_hdr(skb)->h_dest))
		return;

	addrs = kmalloc_array(BR_M2U_QUERY_MAX, ETH_ALEN, GFP_ATOMIC);
	if (!addrs)
		return;
	/* A querier behind P itself, heard back through hairpin mode. */
	if (!own && skb->dev == p->dev)
		skip = eth_hdr(skb)->h_source;

	if (!own)
		spin_lock(&p->br->multicast_lock);
	n = br_m2u_query_hosts(pm, grp, one_vlan, skip, addrs);
	if (!own)
		spin_unlock(&p->br->multicast_lock);

	fanout = READ_ONCE(pm->fanout);
	if (n > BR_M2U_QUERY_MAX || (fanout && n > fanout)) {
		br_m2u_count(pm, BR_M2U_FANOUT_FALLBACK, 1);
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

	stats = this_cpu_ptr(pm->stats);
	u64_stats_update_begin(&stats->syncp);
	u64_stats_add(&stats->v[BR_M2U_QUERY_COPIES], copies);
	u64_stats_add(&stats->v[BR_M2U_ALLOC_DROPS], n - copies);
	u64_stats_update_end(&stats->syncp);
out:
	kfree(addrs);
}

/* The multicast context of BR for VLAN VID. Under RCU. */
static const struct net_bridge_mcast *br_m2u_ctx(struct net_bridge *br,
						 u16 vid)
{
#ifdef CONFIG_BRIDGE_VLAN_FILTERING
	struct net_bridge_vlan *v;

	if (br_opt_get(br, BROPT_MCAST_VLAN_SNOOPING_ENABLED)) {
		v = br_vlan_find(br_vlan_group_rcu(br), vid);
		return v ? &v->br_mcast_ctx : NULL;
	}
#endif
	return &br->multicast_ctx;
}

/* Whether the query SKB comes from the querier that BR elected. */
static bool br_m2u_from_querier(struct net_bridge *br, struct sk_buff *skb,
				const struct br_ip *grp, u16 vid)
{
	const struct net_bridge_mcast *brmctx = br_m2u_ctx(br, vid);
	const struct bridge_mcast_querier *q;
	unsigned int seq;
	bool ret;

	if (!brmctx)
		return false;
	if (grp->proto == htons(ETH_P_IP)) {
		q = &brmctx->ip4_querier;
		do {
			seq = read_seqcount_begin(&q->seq);
			ret = q->addr.src.ip4 == ip_hdr(skb)->saddr;
		} while (read_seqcount_retry(&q->seq, seq));
		return ret;
	}
#if IS_ENABLED(CONFIG_IPV6)
	q = &brmctx->ip6_querier;
	do {
		seq = read_seqcount_begin(&q->seq);
		ret = ipv6_addr_equal(&q->addr.src.ip6, &ipv6_hdr(skb)->saddr);
	} while (read_seqcount_retry(&q->seq, seq));
	return ret;
#else
	return false;
#endif
}

/* br_flood(): SKB goes to P by flooding, in VLAN VID. Under RCU. */
void br_m2u_query_flood(struct net_bridge_port *p, struct sk_buff *skb,
			u16 vid, bool local_orig)
{
	u8 type = BR_INPUT_SKB_CB(skb)->igmp;
	struct br_m2u_port *pm;
	struct br_ip grp;

	if (!type || !br_m2u_query_group(skb, type, &grp))
		return;
	pm = rcu_dereference(p->m2u);
	if (!pm || !br_m2u_from_querier(p->br, skb, &grp, vid))
		return;

	grp.vid = vid;
	br_m2u_query_copies(pm, skb, &grp,
			    br_opt_get(p->br, BROPT_MCAST_VLAN_SNOOPING_ENABLED),
			    false, local_orig);
}

/* __br_multicast_send_query(): the bridge's own query of TYPE about GROUP
 * leaves via P, in BRMCTX. Under multicast_lock.
 */
void br_m2u_query_send(struct net_bridge_mcast *brmctx,
		       struct net_bridge_port *p, struct sk_buff *skb, u8 type,
		       const struct br_ip *group)
{
	struct br_m2u_port *pm = br_m2u_port_get(p);
	bool one_vlan = br_multicast_ctx_is_vlan(brmctx);
	struct br_ip grp;

	if (!pm || !br_m2u_query_group(skb, type, &grp))
		return;
	if (one_vlan)
		grp.vid = brmctx->vlan->vid;
	else if (!br_m2u_query_general(&grp))
		grp.vid = group->vid;

	br_m2u_query_copies(pm, skb, &grp, one_vlan, true, false);
}

/* Section: port options and counters (IFLA_BRPORT_*). */

static void br_m2u_stats_get(const struct br_m2u_port *pm, u64 *out)
{
	u64 v[BR_M2U_NSTATS];
	unsigned int start;
	int cpu, i;

	memset(out, 0, BR_M2U_NSTATS * sizeof(*out));
	if (!pm)
		return;

	for_each_possible_cpu(cpu) {
		const struct br_m2u_stats *s = per_cpu_ptr(pm->stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < BR_M2U_NSTATS; i++)
				v[i] = u64_stats_read(&s->v[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		for (i = 0; i < BR_M2U_NSTATS; i++)
			out[i] += v[i];
	}
}

size_t br_m2u_port_info_size(void)
{
	return nla_total_size(sizeof(u32))	/* ..._MCAST_TO_UCAST_FANOUT */
		+ nla_total_size(sizeof(u32))	/* ..._HOSTS_LIMIT */
		+ nla_total_size(sizeof(u32))	/* ..._HOSTS_CNT */
		+ nla_total_size(0)		/* ..._MCAST_TO_UCAST_STATS */
		+ BR_M2U_NSTATS * nla_total_size_64bit(sizeof(u64));
}

/* Under RTNL or RCU. */
int br_m2u_port_fill(struct sk_buff *skb, const struct net_bridge_port *p)
{
	static const int attrs[BR_M2U_NSTATS] = {
		IFLA_BRPORT_M2U_STATS_CONVERTED,
		IFLA_BRPORT_M2U_STATS_COPIES,
		IFLA_BRPORT_M2U_STATS_FANOUT_FALLBACK,
		IFLA_BRPORT_M2U_STATS_ECHO_SKIPPED,
		IFLA_BRPORT_M2U_STATS_ALLOC_DROPS,
		IFLA_BRPORT_M2U_STATS_QUERY_COPIES,
		IFLA_BRPORT_M2U_STATS_UNRECORDED_FALLBACK,
		IFLA_BRPORT_M2U_STATS_LIMIT_FALLBACK,
	};
	const struct br_m2u_port *pm = rcu_dereference_rtnl(p->m2u);
	struct nlattr *nest;
	u64 stats[BR_M2U_NSTATS];
	int i;

	if (nla_put_u32(skb, IFLA_BRPORT_MCAST_TO_UCAST_FANOUT,
			pm ? READ_ONCE(pm->fanout) : 0) ||
	    nla_put_u32(skb, IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT,
			pm ? READ_ONCE(pm->hosts_limit) :
			     BR_M2U_HOSTS_LIMIT_DEFAULT) ||
	    nla_put_u32(skb, IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT,
			pm ? READ_ONCE(pm->hosts_cnt) : 0))
		return -EMSGSIZE;

	br_m2u_stats_get(pm, stats);
	nest = nla_nest_start(skb, IFLA_BRPORT_MCAST_TO_UCAST_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (nla_put_u64_64bit(skb, attrs[i], stats[i],
				      IFLA_BRPORT_M2U_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);

	return 0;
}

/* br_setport(), before the flags change: set up the port's state where an
 * attribute needs it, and set its options. Under RTNL and the bridge's lock.
 */
int br_m2u_port_set(struct net_bridge_port *p, struct nlattr *tb[],
		    struct netlink_ext_ack *extack)
{
	struct nlattr *fanout = tb[IFLA_BRPORT_MCAST_TO_UCAST_FANOUT];
	struct nlattr *limit = tb[IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT];
	struct nlattr *on = tb[IFLA_BRPORT_MCAST_TO_UCAST];
	struct br_m2u_port *pm;

	if (!fanout && !limit && !(on && nla_get_u8(on)))
		return 0;

	pm = br_m2u_port_alloc(p, GFP_ATOMIC);
	if (!pm) {
		NL_SET_ERR_MSG_MOD(extack, "No memory for multicast-to-unicast state");
		return -ENOMEM;
	}
	if (fanout)
		WRITE_ONCE(pm->fanout, nla_get_u32(fanout));
	if (limit)
		WRITE_ONCE(pm->hosts_limit, nla_get_u32(limit));

	return 0;
}

/* Section: mdb notifications, dumps and per-host entries. */

static size_t br_m2u_host_nlmsg_size(const struct br_m2u_host *h)
{
	size_t asz = br_m2u_addr_size(&h->pg->key.addr);

	return NLMSG_ALIGN(sizeof(struct br_port_msg))
		+ nla_total_size(0)				/* MDBA_HOSTS */
		+ nla_total_size(0)				/* ..._ENTRY */
		+ nla_total_size(sizeof(struct br_mdb_entry))	/* ..._INFO */
		+ nla_total_size(ETH_ALEN)			/* ..._LLADDR */
		+ nla_total_size(sizeof(u32))			/* ..._TIMER */
		+ nla_total_size(sizeof(u8))		/* ..._GROUP_MODE */
		+ nla_total_size(0)			/* ..._SRC_LIST */
		+ h->nsrcs * (nla_total_size(0) + nla_total_size(asz));
}

/* One host record, as MDBA_HOSTS_ENTRY. GONE: it was deleted. */
static int br_m2u_host_fill(struct sk_buff *skb, const struct br_m2u_host *h,
			    bool gone)
{
	const struct net_bridge_port_group *pg = h->pg;
	size_t asz = br_m2u_addr_size(&pg->key.addr);
	bool is_static = h->flags & BR_M2U_HOST_STATIC;
	struct nlattr *nest, *list, *ent;
	struct br_mdb_entry e = {};
	u32 timer = 0;
	u8 i;

	e.ifindex = pg->key.port->dev->ifindex;
	e.state = is_static ? MDB_PERMANENT : MDB_TEMPORARY;
	e.vid = pg->key.addr.vid;
	e.addr.proto = pg->key.addr.proto;
	memcpy(&e.addr.u, &pg->key.addr.dst, asz);
	if (!is_static && !gone)
		timer = br_timer_value(&h->timer);

	nest = nla_nest_start_noflag(skb, MDBA_HOSTS_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, MDBA_HOSTS_ATTR_INFO, sizeof(e), &e) ||
	    nla_put(skb, MDBA_HOSTS_ATTR_LLADDR, ETH_ALEN, h->addr) ||
	    nla_put_u32(skb, MDBA_HOSTS_ATTR_TIMER, timer) ||
	    nla_put_u8(skb, MDBA_HOSTS_ATTR_GROUP_MODE, h->filter_mode))
		goto cancel;

	if (h->nsrcs) {
		list = nla_nest_start_noflag(skb, MDBA_HOSTS_ATTR_SRC_LIST);
		if (!list)
			goto cancel;
		for (i = 0; i < h->nsrcs; i++) {
			ent = nla_nest_start_noflag(skb,
						    MDBA_MDB_SRCLIST_ENTRY);
			if (!ent ||
			    nla_put(skb, MDBA_MDB_SRCATTR_ADDRESS, asz,
				    h->srcs + i * asz))
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

/* RTM_NEWMDB when host H's record arrives or changes, RTM_DELMDB when it
 * goes: one host each, so that a notification stays small however many
 * hosts the port group has. The port group's own notifications carry no
 * hosts. Under multicast_lock.
 */
static void br_m2u_host_notify(struct net_bridge *br,
			       const struct br_m2u_host *h, int type)
{
	struct net *net = dev_net(br->dev);
	struct br_port_msg *bpm;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	struct nlattr *nest;
	int err = -ENOBUFS;

	skb = nlmsg_new(br_m2u_host_nlmsg_size(h), GFP_ATOMIC);
	if (!skb)
		goto errout;

	nlh = nlmsg_put(skb, 0, 0, type, sizeof(*bpm), 0);
	if (!nlh)
		goto cancel;
	bpm = nlmsg_data(nlh);
	memset(bpm, 0, sizeof(*bpm));
	bpm->family = AF_BRIDGE;
	bpm->ifindex = br->dev->ifindex;
	nest = nla_nest_start_noflag(skb, MDBA_HOSTS);
	if (!nest || br_m2u_host_fill(skb, h, type == RTM_DELMDB))
		goto cancel;
	nla_nest_end(skb, nest);
	nlmsg_end(skb, nlh);

	rtnl_notify(skb, net, 0, RTNLGRP_MDB, NULL, GFP_ATOMIC);
	return;

cancel:
	err = -EMSGSIZE;
	kfree_skb(skb);
errout:
	rtnl_set_sk_err(net, RTNLGRP_MDB, err);
}

/* br_mdb_dump(), once the entries and router ports are in: the host records
 * of BR, in MDBA_HOSTS, as many per message as fit. cb->args[1..3] say where
 * the walk resumes (entry, port group, record).
 */
int br_m2u_mdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    struct net_bridge *br)
{
	long idx = 0, s_idx = cb->args[1], pidx, s_pidx = cb->args[2];
	long hidx, s_hidx = cb->args[3];
	struct net_bridge_port_group *pg;
	struct net_bridge_mdb_entry *mp;
	const struct br_m2u_host *h;
	const struct br_m2u_pg *mpg;
	struct nlattr *nest;
	int err = 0;

	nest = nla_nest_start_noflag(skb, MDBA_HOSTS);
	if (!nest)
		return -EMSGSIZE;

	hlist_for_each_entry_rcu(mp, &br->mdb_list, mdb_node) {
		if (idx < s_idx)
			goto skip;
		pidx = 0;
		for (pg = rcu_dereference(mp->ports); pg;
		     pg = rcu_dereference(pg->next), pidx++) {
			if (idx == s_idx && pidx < s_pidx)
				continue;
			mpg = rcu_dereference(pg->m2u);
			if (!mpg)
				continue;
			hidx = 0;
			hlist_for_each_entry_rcu(h, &mpg->list, node) {
				if (idx == s_idx && pidx == s_pidx &&
				    hidx < s_hidx) {
					hidx++;
					continue;
				}
				err = br_m2u_host_fill(skb, h, false);
				if (err) {
					cb->args[1] = idx;
					cb->args[2] = pidx;
					cb->args[3] = hidx;
					goto out;
				}
				hidx++;
			}
		}
skip:
		idx++;
	}
	cb->args[1] = idx;
	cb->args[2] = 0;
	cb->args[3] = 0;
out:
	if (skb_tail_pointer(skb) - (unsigned char *)nest == NLA_HDRLEN)
		nla_nest_cancel(skb, nest);
	else
		nla_nest_end(skb, nest);
	return err;
}

/* MDBE_ATTR_HOST_ADDR in RTM_NEWMDB or RTM_DELMDB: a per-host entry. */
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

/* RTM_NEWMDB of a per-host entry, before the bridge is locked: the entry
 * must be permanent, and the port's state is set up here, where memory may
 * be waited for. Under RTNL.
 */
int br_m2u_mdb_prepare(const struct br_mdb_config *cfg,
		       struct netlink_ext_ack *extack)
{
	if (cfg->entry->state != MDB_PERMANENT) {
		NL_SET_ERR_MSG_MOD(extack, "Per-host entries must be permanent");
		return -EINVAL;
	}
	if (!br_m2u_port_alloc(cfg->p, GFP_KERNEL)) {
		NL_SET_ERR_MSG_MOD(extack, "No memory for multicast-to-unicast state");
		return -ENOMEM;
	}

	return 0;
}

/* An entry for the whole port (no host) is about to replace PG's. While PG
 * has per-host entries it stays permanent and EXCLUDE, as they need it.
 */
int br_m2u_mdb_replace_check(const struct net_bridge_port_group *pg,
			     const struct br_mdb_config *cfg, u8 flags,
			     struct netlink_ext_ack *extack)
{
	const struct br_m2u_pg *mpg = br_m2u_pg_get(pg);

	if (!mpg || !mpg->nstatic)
		return 0;
	if (!(flags & MDB_PG_FLAGS_PERMANENT) ||
	    cfg->filter_mode != MCAST_EXCLUDE || cfg->num_src_entries) {
		NL_SET_ERR_MSG_MOD(extack,
				   "Port group has per-host entries: it can only be replaced by a permanent EXCLUDE entry without sources");
		return -EBUSY;
	}

	return 0;
}

/* An administrator added or replaced PG for the whole port, with a timer.
 * On a converting port that listener has no record: PG gets one multicast
 * copy until the entry would have run out.
 */
void br_m2u_mdb_port_entry(struct net_bridge_mcast *brmctx,
			   struct net_bridge_port_group *pg)
{
	struct br_m2u_port *pm;
	struct br_m2u_pg *mpg;

	if (!pg || !br_m2u_port_converts(pg->key.port, &pm))
		return;
	mpg = br_m2u_pg_need(pg);
	if (mpg)
		WRITE_ONCE(mpg->unknown_until,
			   jiffies + brmctx->multicast_membership_interval);
}

/* Add a permanent record for CFG's host to MP's port group on CFG's port.
 * A port group that was not permanent becomes permanent and EXCLUDE {}, for
 * the host, and goes again with its last per-host entry; one that an
 * administrator made permanent for the whole port stays as it is. A refusal
 * changes nothing: everything is allocated first.
 */
int br_m2u_mdb_add(const struct br_mdb_config *cfg,
		   struct net_bridge_mdb_entry *mp,
		   struct net_bridge_mcast *brmctx, u8 flags,
		   struct netlink_ext_ack *extack)
{
	struct br_m2u_port *pm = br_m2u_port_get(cfg->p);
	struct br_m2u_pg *mpg = NULL, *new_mpg;
	struct br_m2u_mac *mac, *new_mac;
	struct net_bridge_port_group *pg;
	struct br_m2u_host *old = NULL, *h;
	struct br_mdb_config star_cfg;
	bool owned = false;
	int err;

	if (WARN_ON(!pm))
		return -ENOMEM;

	pg = br_m2u_port_pg(mp, cfg->p);
	if (pg)
		mpg = br_m2u_pg_get(pg);
	if (mpg)
		old = br_m2u_host_find(mpg, cfg->host_addr);
	if (old && (old->flags & BR_M2U_HOST_STATIC)) {
		if (cfg->nlflags & NLM_F_REPLACE)
			return 0;
		NL_SET_ERR_MSG_MOD(extack, "Host already has a permanent entry here");
		return -EEXIST;
	}
	if (!old && pm->hosts_cnt >= pm->hosts_limit) {
		NL_SET_ERR_MSG_MOD(extack, "Port has reached its mcast_to_unicast_hosts_limit");
		return -ENOSPC;
	}

	/* The port group may not exist yet: the record gets it below. */
	h = br_m2u_host_alloc(NULL, cfg->host_addr, MCAST_EXCLUDE, NULL, 0);
	new_mpg = mpg ? NULL : br_m2u_pg_alloc();
	new_mac = old ? NULL : kzalloc(sizeof(*new_mac), GFP_ATOMIC);
	if (!h || (!mpg && !new_mpg) || (!old && !new_mac)) {
		err = -ENOMEM;
		goto err_free;
	}

	if (!pg || !(pg->flags & MDB_PG_FLAGS_PERMANENT)) {
		star_cfg = *cfg;
		star_cfg.nlflags |= NLM_F_REPLACE;
		star_cfg.filter_mode = MCAST_EXCLUDE;
		star_cfg.num_src_entries = 0;
		err = br_mdb_add_group_star_g(&star_cfg, mp, brmctx, flags,
					      extack);
		if (err)
			goto err_free;
		pg = br_m2u_port_pg(mp, cfg->p);
		if (WARN_ON(!pg)) {
			err = -ENOENT;
			goto err_free;
		}
		owned = true;
	}

	/* From here on nothing fails. */
	h->pg = pg;
	h->flags = BR_M2U_HOST_STATIC;
	if (owned)
		pg->flags |= MDB_PG_FLAGS_M2U_OWNED;
	mpg = br_m2u_pg_get(pg);
	if (!mpg) {
		mpg = new_mpg;
		new_mpg = NULL;
		rcu_assign_pointer(pg->m2u, mpg);
	}
	if (old) {
		mac = old->mac;
	} else {
		mac = br_m2u_mac_find(pm, cfg->host_addr, pg->key.addr.vid,
				      new_mac);
		if (!mac) {
			mac = new_mac;
			new_mac = NULL;
		}
	}
	br_m2u_host_add(pm, mpg, mac, old, h);
	kfree(new_mpg);
	kfree(new_mac);

	return 0;

err_free:
	br_m2u_host_free(h);
	kfree(new_mpg);
	kfree(new_mac);
	return err;
}

/* Delete CFG's host record from MP's port group on CFG's port. When the last
 * permanent host of a port group that is permanent for them goes, the port
 * group goes too, or becomes dynamic again if hosts that reported still
 * listen.
 */
int br_m2u_mdb_del(struct net_bridge_mdb_entry *mp,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack)
{
	struct net_bridge *br = mp->br;
	struct net_bridge_port_group __rcu **pp;
	struct net_bridge_port_group *pg;
	struct br_m2u_host *h = NULL;
	struct br_m2u_port *pm;
	struct br_m2u_pg *mpg = NULL;

	for (pp = &mp->ports; (pg = mlock_dereference(*pp, br)) != NULL;
	     pp = &pg->next)
		if (pg->key.port == cfg->p)
			break;

	pm = br_m2u_port_get(cfg->p);
	if (pg)
		mpg = br_m2u_pg_get(pg);
	if (mpg)
		h = br_m2u_host_find(mpg, cfg->host_addr);
	if (!h) {
		NL_SET_ERR_MSG_MOD(extack, "Host has no entry for this group on this port");
		return -ENOENT;
	}

	br_m2u_host_del(pm, mpg, h);
	if (!(pg->flags & MDB_PG_FLAGS_M2U_OWNED) || mpg->nstatic) {
		br_m2u_pg_put(pg);
		return 0;
	}

	if (!mpg->nhosts) {
		br_multicast_del_pg(mp, pg, pp);
		return 0;
	}

	pg->flags &= ~(MDB_PG_FLAGS_PERMANENT | MDB_PG_FLAGS_M2U_OWNED);
	pg->rt_protocol = RTPROT_KERNEL;
	mod_timer(&pg->timer,
		  jiffies + br->multicast_ctx.multicast_membership_interval);
	br_mdb_notify(br->dev, mp, pg, RTM_NEWMDB);

	return 0;
}

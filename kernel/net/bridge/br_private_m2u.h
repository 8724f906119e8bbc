/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bridge multicast-to-unicast: per-host listener records.
 *
 * Every IP port group (*, G) keeps a list of the hosts behind its port that
 * asked for G, keyed by MAC address, whatever the port's delivery mode. A port
 * with mcast_to_unicast delivers one unicast copy to each host whose own
 * source filter accepts the frame; other ports ignore the list.
 */
#ifndef _BR_PRIVATE_M2U_H_
#define _BR_PRIVATE_M2U_H_

#include <linux/bits.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

/* Hosts recorded per port group; past this the group is delivered as
 * multicast to the port, so that a flood of forged reports cannot grow it.
 */
#define BR_M2U_MAX_HOSTS	1024
/* Sources recorded per host; a longer INCLUDE list makes the host accept
 * any source, a longer EXCLUDE list is cut. Both err towards delivery.
 */
#define BR_M2U_MAX_SRCS		64
#define BR_M2U_FANOUT_MAX	1024

#define BR_M2U_HOST_STATIC	BIT(0)

union br_m2u_addr {
	__be32		ip4;
#if IS_ENABLED(CONFIG_IPV6)
	struct in6_addr	ip6;
#endif
};

struct br_m2u_host {
	struct hlist_node	node;
	struct rcu_head		rcu;
	/* jiffies; not used for static hosts */
	unsigned long		expires;
	unsigned char		addr[ETH_ALEN] __aligned(2);
	u8			flags;
	u8			filter_mode;
	u16			nsrcs;
	union br_m2u_addr	srcs[] __counted_by(nsrcs);
};

struct br_m2u_stats {
	u64_stats_t		converted;
	u64_stats_t		copies;
	u64_stats_t		fanout_fallback;
	u64_stats_t		echo_skipped;
	u64_stats_t		alloc_drops;
	u64_stats_t		query_copies;
	struct u64_stats_sync	syncp;
};

struct net_bridge;
struct net_bridge_mcast;
struct net_bridge_mdb_entry;
struct net_bridge_port;
struct net_bridge_port_group;
struct br_mdb_config;
struct netlink_ext_ack;
struct sk_buff;

int br_m2u_port_init(struct net_bridge_port *p);
void br_m2u_port_fini(struct net_bridge_port *p);
size_t br_m2u_port_info_size(void);
int br_m2u_port_fill(struct sk_buff *skb, const struct net_bridge_port *p);

void br_m2u_host_report(struct net_bridge_mcast *brmctx,
			struct net_bridge_port_group *pg,
			const unsigned char *addr, u8 type,
			const void *srcs, u16 nsrcs, size_t addr_size);
bool br_m2u_host_leave(struct net_bridge_mdb_entry *mp,
		       struct net_bridge_port *port,
		       const unsigned char *addr);
void br_m2u_pg_flush(struct net_bridge_port_group *pg);

bool br_m2u_flood(struct net_bridge_port_group *pg, struct sk_buff *skb,
		  bool local_orig);
void br_m2u_query_flood(struct net_bridge_port *p, struct sk_buff *skb,
			u16 vid, bool local_orig);
void br_m2u_query_send(struct net_bridge_mcast *brmctx,
		       struct net_bridge_port *p, struct sk_buff *skb, u8 type);
/* br_forward.c */
void br_m2u_forward(const struct net_bridge_port *p, struct sk_buff *skb,
		    bool local_orig);

size_t br_m2u_mdb_size(const struct net_bridge_port_group *pg);
int br_m2u_mdb_fill(struct sk_buff *skb, const struct net_bridge_port_group *pg,
		    unsigned int *hosts);
int br_m2u_mdb_validate(const struct br_mdb_config *cfg,
			struct nlattr **mdb_attrs,
			struct netlink_ext_ack *extack);
struct net_bridge_port_group *
br_m2u_port_pg(struct net_bridge_mdb_entry *mp, struct net_bridge_port *port);
int br_m2u_mdb_add(struct net_bridge_port_group *pg,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack);
int br_m2u_mdb_del(struct net_bridge_mdb_entry *mp,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack);

#endif /* _BR_PRIVATE_M2U_H_ */

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bridge multicast-to-unicast: per-host listener records.
 *
 * A port with mcast_to_unicast on records, in each of its IP (*, G) port
 * groups, the hosts behind it that asked for G, keyed by MAC address, each
 * with its own filter mode and source list and its own membership timer.
 * Ports without the flag record nothing, except the permanent per-host
 * entries an administrator adds. See br_multicast_m2u.c.
 */
#ifndef _BR_PRIVATE_M2U_H_
#define _BR_PRIVATE_M2U_H_

#include <linux/types.h>

/* Host records per port by default: a home access point with 64 dual-stack
 * stations, each in about a dozen snooped groups (IPv6 solicited-node groups
 * of its addresses, mDNS, SSDP, a TV channel or two), with room to spare.
 */
#define BR_M2U_HOSTS_LIMIT_DEFAULT	1024
#define BR_M2U_HOSTS_LIMIT_MAX		65536
#define BR_M2U_FANOUT_MAX		1024
/* Sources per host record: as many as upstream keeps per port group. A
 * longer INCLUDE list makes the host accept any source, a longer EXCLUDE
 * list is cut: both err towards delivery.
 */
#define BR_M2U_MAX_SRCS			32

struct br_ip;
struct br_m2u_pg;
struct br_m2u_port;
struct net_bridge;
struct net_bridge_mcast;
struct net_bridge_mcast_port;
struct net_bridge_mdb_entry;
struct net_bridge_port;
struct net_bridge_port_group;
struct br_mdb_config;
struct netlink_callback;
struct netlink_ext_ack;
struct nlattr;
struct sk_buff;

#ifdef CONFIG_BRIDGE_IGMP_SNOOPING
/* port life and options; br_netlink.c, br_if.c */
void br_m2u_port_fini(struct net_bridge_port *p);
void br_m2u_port_flags_change(struct net_bridge_port *p, unsigned long mask);
void br_m2u_port_enabled(struct net_bridge_port *p);
int br_m2u_port_set(struct net_bridge_port *p, struct nlattr *tb[],
		    struct netlink_ext_ack *extack);
size_t br_m2u_port_info_size(void);
int br_m2u_port_fill(struct sk_buff *skb, const struct net_bridge_port *p);

/* IGMP/MLD; br_multicast.c */
void br_m2u_host_report(struct net_bridge_mcast *brmctx,
			struct net_bridge_port_group *pg,
			const unsigned char *addr, u8 type,
			const void *srcs, u16 nsrcs);
bool br_m2u_host_leave(struct net_bridge_mcast *brmctx,
		       struct net_bridge_mdb_entry *mp,
		       struct net_bridge_port *port,
		       const unsigned char *addr);
void br_m2u_pg_flush(struct net_bridge_port_group *pg);
void br_m2u_query_send(struct net_bridge_mcast *brmctx,
		       struct net_bridge_port *p, struct sk_buff *skb, u8 type,
		       const struct br_ip *group);

/* forwarding; br_forward.c */
bool br_m2u_flood(struct net_bridge_port_group *pg, struct sk_buff *skb,
		  bool local_orig);
void br_m2u_query_flood(struct net_bridge_port *p, struct sk_buff *skb,
			u16 vid, bool local_orig);
void br_m2u_forward(const struct net_bridge_port *p, struct sk_buff *skb,
		    bool local_orig);

/* mdb; br_mdb.c */
struct net_bridge_port_group *
br_m2u_port_pg(struct net_bridge_mdb_entry *mp, struct net_bridge_port *port);
int br_m2u_mdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    struct net_bridge *br);
int br_m2u_mdb_validate(const struct br_mdb_config *cfg,
			struct nlattr **mdb_attrs,
			struct netlink_ext_ack *extack);
int br_m2u_mdb_prepare(const struct br_mdb_config *cfg,
		       struct netlink_ext_ack *extack);
int br_m2u_mdb_replace_check(const struct net_bridge_port_group *pg,
			     const struct br_mdb_config *cfg, u8 flags,
			     struct netlink_ext_ack *extack);
void br_m2u_mdb_port_entry(struct net_bridge_mcast *brmctx,
			   struct net_bridge_port_group *pg);
int br_m2u_mdb_add(const struct br_mdb_config *cfg,
		   struct net_bridge_mdb_entry *mp,
		   struct net_bridge_mcast *brmctx, u8 flags,
		   struct netlink_ext_ack *extack);
int br_m2u_mdb_del(struct net_bridge_mdb_entry *mp,
		   const struct br_mdb_config *cfg,
		   struct netlink_ext_ack *extack);
#else
static inline void br_m2u_port_flags_change(struct net_bridge_port *p,
					    unsigned long mask)
{
}

static inline void br_m2u_query_flood(struct net_bridge_port *p,
				      struct sk_buff *skb, u16 vid,
				      bool local_orig)
{
}
#endif

#endif /* _BR_PRIVATE_M2U_H_ */

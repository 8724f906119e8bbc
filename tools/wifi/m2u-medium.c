// SPDX-License-Identifier: GPL-2.0
/*
 * m2u-medium: a simulated Wi-Fi medium for mac80211_hwsim.
 *
 * "radio add/del NAME" creates or removes a hwsim radio (wiphy NAME).
 * "run" registers as the medium of this network namespace's netgroup over
 * the MAC80211_HWSIM generic netlink family: every frame a radio sends comes
 * here, is handed to the other radios on its frequency, each with its own
 * loss probability, and the sender gets its TX status back. Unicast frames
 * walk the retry chain mac80211 asked for, and are acknowledged by the
 * first attempt that gets through; group frames get one attempt and no ACK.
 * Frames, attempts, losses and an airtime estimate are counted per radio
 * and per link and written as JSON (see usage() for the model).
 */

#define _GNU_SOURCE		/* ppoll() */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

/* The MAC80211_HWSIM generic netlink ABI (drivers/net/wireless/virtual/). */
#define HWSIM_FAMILY			"MAC80211_HWSIM"
#define HWSIM_GENL_VERSION		1

#define HWSIM_TX_CTL_REQ_TX_STATUS	(1U << 0)
#define HWSIM_TX_CTL_NO_ACK		(1U << 1)
#define HWSIM_TX_STAT_ACK		(1U << 2)

enum {
	HWSIM_CMD_REGISTER = 1,
	HWSIM_CMD_FRAME = 2,
	HWSIM_CMD_TX_INFO_FRAME = 3,
	HWSIM_CMD_NEW_RADIO = 4,
	HWSIM_CMD_DEL_RADIO = 5,
	HWSIM_CMD_GET_RADIO = 6,
};

enum {
	HWSIM_ATTR_ADDR_RECEIVER = 1,
	HWSIM_ATTR_ADDR_TRANSMITTER = 2,
	HWSIM_ATTR_FRAME = 3,
	HWSIM_ATTR_FLAGS = 4,
	HWSIM_ATTR_RX_RATE = 5,
	HWSIM_ATTR_SIGNAL = 6,
	HWSIM_ATTR_TX_INFO = 7,
	HWSIM_ATTR_COOKIE = 8,
	HWSIM_ATTR_CHANNELS = 9,
	HWSIM_ATTR_RADIO_ID = 10,
	HWSIM_ATTR_RADIO_NAME = 17,
	HWSIM_ATTR_FREQ = 19,
	HWSIM_ATTR_PAD = 20,
	HWSIM_ATTR_TX_INFO_FLAGS = 21,
	HWSIM_ATTR_MAX_KNOWN = 31,
};

/* Rate flags in HWSIM_ATTR_TX_INFO_FLAGS. */
#define HWSIM_RC_MCS			(1U << 3)
#define HWSIM_RC_VHT_MCS		(1U << 8)

#define TX_MAX_RATES	4		/* IEEE80211_TX_MAX_RATES */

struct hwsim_tx_rate {
	int8_t idx;
	uint8_t count;
} __attribute__((packed));

struct hwsim_tx_rate_flag {
	int8_t idx;
	uint16_t flags;
} __attribute__((packed));

#define ETH_ALEN	6
#define RX_SIGNAL_DBM	(-50)
#define SIFS_US		10
#define ACK_US		44
#define FCS_LEN		4
#define SLOT_US		9		/* short slot (ERP/OFDM only BSS) */
#define DIFS_US		(SIFS_US + 2 * SLOT_US)
#define CW_MIN		15
#define CW_MAX		1023
#define RX_START_US	25		/* aRxPHYStartDelay (OFDM) */
#define ACK_TIMEOUT_US	(SIFS_US + SLOT_US + RX_START_US)
#define ACK_FRAME_LEN	10		/* + FCS: 14 bytes on the air */
#define NOISE_REF_DBM	(-91.0)		/* kTB (20 MHz) + 10 dB noise figure */
#define QUEUE_MAX	1024

#define MAX_RADIOS	64
#define MAX_VIFS	8
#define NLINKS_MAX	4096
#define MAX_LOSS_TO	64
#define SEQ_RING	8192

struct rx_counts {
	uint64_t frames, attempts, delivered, lost, airtime_us;
	uint64_t stream_delivered, refused;
};

struct tx_counts {
	uint64_t frames, attempts, acked, airtime_us;
	uint64_t queue_drops, acks_lost;	/* --phy only */
};

struct radio {
	uint8_t addr[ETH_ALEN];		/* hwsim's addresses[1] */
	uint8_t vifs[MAX_VIFS][ETH_ALEN];
	int nvifs;
	char name[64];
	uint32_t freq;			/* 0: unknown (or scanning) */
	bool gone;			/* deleted (HWSIM_CMD_DEL_RADIO seen) */
	struct rx_counts rx;
	struct tx_counts tx;
	bool burst_bad;			/* Gilbert-Elliott state (--burst) */
	uint16_t q_head, q_len;		/* frames queued for the air (--phy) */
	uint64_t q_done[1024];		/* ... and when each leaves it */
};

struct link {
	uint8_t ta[ETH_ALEN], ra[ETH_ALEN];
	uint64_t data, attempts, delivered, airtime_us;
	uint64_t stream, stream_delivered;
	uint64_t offered;	/* attempts the unicast retry chains allowed */
};

/* A value for the radio that owns MAC (--loss-to, --signal). */
struct per_mac {
	uint8_t mac[ETH_ALEN];
	double v;
};

/* What a FRAME delivery was counted as, to undo it if the kernel refuses. */
struct sent {
	uint32_t seq;
	int16_t radio;			/* -1: not a delivery */
	int32_t link;			/* -1: none */
	uint8_t stream;
};

static struct radio radios[MAX_RADIOS];
static int nradios;
static struct link links[NLINKS_MAX];
static int nlinks;
static struct per_mac loss_to[MAX_LOSS_TO];
static int nloss_to;
static double loss_default;
static uint64_t seed = 1;
static uint64_t rng_state;
static unsigned int stream_port = 5004;
static const char *stats_file;
static uint64_t overruns, link_overflow, status_refused, status_retried;

static struct mnl_socket *nl;
static uint16_t family_id;
static uint32_t seqno;
static struct sent sent_ring[SEQ_RING];

static volatile sig_atomic_t got_stop, got_dump;

static const char *prog = "m2u-medium";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s radio add NAME\n"
"       %s radio del NAME\n"
"       %s run [--seed N] [--loss PCT] [--loss-to MAC=PCT]...\n"
"                  [--stream-port PORT] [--stats FILE]\n"
"                  [--phy [--signal [MAC=]DBM]... [--noise DBM]\n"
"                   [--retry-limit N] [--queue N] [--burst GB,BG[,LOSS]]]\n"
"       %s model [OPTIONS] per RATE SNR BYTES | exchange RATE SIGNAL |\n"
"                  crossover | saturate RATE FRAMES_PER_S SECONDS |\n"
"                  burst ATTEMPTS\n"
"       %s --help\n"
"\n"
"A Wi-Fi medium for mac80211_hwsim (generic netlink family MAC80211_HWSIM).\n"
"\n"
"radio add NAME   create a hwsim radio with one channel whose wiphy is named\n"
"                 NAME (it comes with one interface, wlanN). Prints nothing.\n"
"radio del NAME   remove it; the wiphy must be in this network namespace.\n"
"\n"
"run              register as the medium (HWSIM_CMD_REGISTER) and relay frames\n"
"                 until SIGTERM or SIGINT. Start it in the network namespace\n"
"                 where the radios were created (they may have been moved to\n"
"                 other namespaces since); only radios of that namespace's\n"
"                 netgroup reach it. Only one medium per netgroup.\n"
"                 A radio is known from the first frame it sends, or from the\n"
"                 start if it is still in this namespace, or when it is\n"
"                 created here while the medium runs: start the medium before\n"
"                 the radios' interfaces come up, or a silent radio misses\n"
"                 group frames until it sends something.\n"
"  --seed N         seed of the loss generator (default 1): same seed, same\n"
"                   frames, same losses\n"
"  --loss PCT       loss probability of every attempt, in percent (default 0)\n"
"  --loss-to MAC=PCT\n"
"                   loss probability towards one receiver, named by its\n"
"                   interface (vif) address or its radio address; repeatable\n"
"  --stream-port PORT\n"
"                   UDP destination port of the \"stream\" (default 5004)\n"
"  --stats FILE     write the counters as JSON to FILE when registered, on\n"
"                   SIGUSR1 and at exit (written to FILE.tmp, then renamed)\n"
"  --phy            the PHY model below, instead of a fixed loss per attempt\n"
"  --signal [MAC=]DBM\n"
"                   (--phy) the signal of every radio (default %d dBm), or\n"
"                   of one, named as for --loss-to; a link gets the weaker\n"
"                   of its two ends; repeatable\n"
"  --noise DBM      (--phy) the noise level (default %g dBm)\n"
"  --retry-limit N  (--phy) attempts per unicast frame at most (default 7,\n"
"                   mac80211's short retry limit, 'iw phy' retry short)\n"
"  --queue N        (--phy) frames a radio may have waiting for the air\n"
"                   (default 64); one more is dropped, as a queue drop\n"
"  --burst GB,BG[,LOSS]\n"
"                   (--phy) Gilbert-Elliott bursts: per attempt, a receiver\n"
"                   goes bad with GB %%, good again with BG %%, and loses\n"
"                   LOSS %% (default 100) of the attempts while bad\n"
"\n"
"PHY model (--phy). Each rate has the SNR at which 10 %% of its frames are\n"
"  lost: how far the receiver sensitivity of IEEE Std 802.11-2016 (clauses\n"
"  15-17, 19) lies above %g dBm (kTB for 20 MHz plus a 10 dB noise figure);\n"
"  the loss falls tenfold per 2 dB above it, and grows with the frame's\n"
"  length.\n"
"  --loss then is interference: what a frame sent at the band's lowest rate\n"
"  loses; a faster one is hit in proportion to its time on the air. ACKs\n"
"  are lost the same way (14 bytes at the control rate); the sender then\n"
"  tries again and the receiver drops the repeat. Airtime adds DIFS (%d us)\n"
"  and the mean backoff (CW 15..1023, %d us slots) to every attempt, and\n"
"  SIFS + ACK or the ACK timeout (%d us) to unicast ones. One channel: a\n"
"  frame waits until the air is free; a radio with --queue frames waiting\n"
"  drops the next one. Frames still reach the kernel at once.\n"
"\n"
"model            the PHY model's figures, without radios or netlink:\n"
"  per RATE SNR BYTES      loss of one attempt (RATE in Mbit/s, 2.4 GHz)\n"
"  exchange RATE SIGNAL    one unicast frame of --len payload bytes (UDP,\n"
"                          default 1316): expected delivery, attempts and\n"
"                          airtime, or simulated over --trials frames\n"
"  crossover               16 stations at two signal spreads: the airtime of\n"
"                          one group frame at 1, 6 and 24 Mbit/s against the\n"
"                          mean unicast copy at each station's best rate;\n"
"                          n_star = listeners up to which copies use less air\n"
"  saturate RATE PPS SECS  group frames offered to the channel and queue\n"
"  burst ATTEMPTS          the --burst state's loss and run lengths\n"
"  options: --loss --seed --len --trials --noise --retry-limit --queue\n"
"  --burst\n"
"\n"
"Delivery. A frame goes to every other radio on the sender's frequency (a\n"
"radio's frequency is that of the last frame it sent; unknown, or after a\n"
"probe request while scanning, means it hears every frequency).\n"
"  Unicast (addr1 not a group address): the receiver is the radio owning\n"
"  addr1 (addresses learnt from addr2 of the frames each radio sends, plus the\n"
"  radio's own addresses). The retry chain of HWSIM_ATTR_TX_INFO (up to 4\n"
"  {rate, count} entries) is walked, each attempt lost with the receiver's\n"
"  probability; the first one that gets through delivers the frame once and\n"
"  is acknowledged. The TX status shows the attempts really used. A frame\n"
"  flagged NO_ACK gets one attempt; if all fail, or addr1 belongs to no radio\n"
"  on the frequency, there is no ACK and every attempt counts as used.\n"
"  Group (broadcast/multicast): one attempt, an independent loss roll per\n"
"  receiver, no ACK.\n"
"  Frames are delivered at once with signal %d dBm; other radios do not\n"
"  overhear unicast frames.\n"
"\n"
"Airtime of one attempt of L bytes (the frame plus its 4-byte FCS), in us:\n"
"  rate index 0..11 (2.4 GHz: 1, 2, 5.5, 11, 6, 9, 12, 18, 24, 36, 48, 54\n"
"  Mbit/s; other bands start at 6):\n"
"    DSSS/CCK (1..11 Mbit/s): 192 + 8*L/rate\n"
"    OFDM: 20 + 4*ceil((22 + 8*L) / (4*rate))\n"
"  HT MCS n (20 MHz, long GI: 6.5, 13, 19.5, 26, 39, 52, 58.5, 65 Mbit/s per\n"
"  stream, n/8+1 streams): (32 + 4*streams) + 4*ceil((22 + 8*L) / (4*rate));\n"
"  VHT MCS likewise with 36 + 4*streams (MCS 8: 78, MCS 9: 86.7).\n"
"  The acknowledged attempt adds SIFS + ACK: %d + %d us.\n"
"\n"
"Counters (uint64, MACs lowercase):\n"
"  radios[].rx  per receiving radio: frames addressed to it (unicast to one of\n"
"               its addresses, group frames it hears), attempts towards it,\n"
"               delivered, lost (for good), airtime_us, stream_delivered,\n"
"               refused (deliveries the kernel rejected: radio down, off\n"
"               channel, frame under 24 bytes; not in delivered)\n"
"  radios[].tx  per sending radio: frames, attempts, acked, airtime_us\n"
"  links[]      per (ta = addr2, ra = addr1, a station or a group address),\n"
"               data frames only (Data, QoS Data): data, attempts, delivered\n"
"               (for a group address: one per radio that received it),\n"
"               airtime_us, stream and stream_delivered; offered: the\n"
"               attempts the unicast frames' retry chains allowed (0 for a\n"
"               group address)\n"
"  top level    seed, loss, loss_to, stream_port; overruns (the receive\n"
"               buffer overflowed: frames lost in the kernel), links_dropped\n"
"               (links over the table size, not counted), status_retried and\n"
"               status_refused (TX status reports the kernel took only on a\n"
"               later try, or never)\n"
"  A stream frame is an unprotected data frame carrying, after the 802.11\n"
"  header (24 bytes, +2 QoS, +4 HT control, +6 with ToDS and FromDS) and the\n"
"  8-byte LLC/SNAP header, an IPv4 or IPv6 UDP datagram to --stream-port.\n"
"\n"
"Exit status: 0 on success, 1 on a netlink or system error, 2 on bad\n"
"arguments.\n",
		prog, prog, prog, prog, prog, RX_SIGNAL_DBM, NOISE_REF_DBM,
		NOISE_REF_DBM, DIFS_US, SLOT_US, ACK_TIMEOUT_US, RX_SIGNAL_DBM,
		SIFS_US, ACK_US);
}

static void __attribute__((noreturn, format(printf, 1, 2))) bad_args(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- small helpers ---- */

static bool parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != ETH_ALEN)
		return false;
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = b[i];
	return true;
}

static bool parse_pct(const char *s, double *pct)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 100.0))
		return false;
	*pct = v;
	return true;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, ETH_ALEN);
}

static bool mac_is_group(const uint8_t *a)
{
	return a[0] & 1;
}

static bool mac_is_zero(const uint8_t *a)
{
	static const uint8_t zero[ETH_ALEN];

	return mac_eq(a, zero);
}

static const char *mac_str(const uint8_t *a, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x",
		a[0], a[1], a[2], a[3], a[4], a[5]);
	return buf;
}

/* xorshift64*, seeded through splitmix64 so that seed 0 works too. */
static void rng_seed(uint64_t s)
{
	uint64_t z = s + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	rng_state = z ? z : 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* One loss roll: true if the attempt is lost. */
static bool roll_lost(double pct)
{
	double u;

	if (pct <= 0.0)
		return false;
	if (pct >= 100.0)
		return true;
	u = (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
	return u * 100.0 < pct;
}

/* ---- radios, addresses, links ---- */

/* hwsim's addresses[0] is addresses[1] without the 0x40 bit (no perm_addr). */
static void radio_addr0(const struct radio *r, uint8_t *a0)
{
	memcpy(a0, r->addr, ETH_ALEN);
	a0[0] &= ~0x40;
}

static bool radio_owns(const struct radio *r, const uint8_t *mac)
{
	uint8_t a0[ETH_ALEN];
	int i;

	for (i = 0; i < r->nvifs; i++)
		if (mac_eq(r->vifs[i], mac))
			return true;
	if (mac_eq(r->addr, mac))
		return true;
	radio_addr0(r, a0);
	return mac_eq(a0, mac);
}

static struct radio *radio_by_addr(const uint8_t *addr, bool create)
{
	struct radio *r;
	int i;

	for (i = 0; i < nradios; i++)
		if (mac_eq(radios[i].addr, addr))
			return &radios[i];
	if (!create || nradios == MAX_RADIOS)
		return NULL;
	r = &radios[nradios++];
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, addr, ETH_ALEN);
	return r;
}

/* The radio a unicast addr1 belongs to: learnt vifs first, then own. */
static struct radio *radio_by_ra(const uint8_t *ra)
{
	int i, j;

	for (i = 0; i < nradios; i++)
		for (j = 0; j < radios[i].nvifs; j++)
			if (!radios[i].gone && mac_eq(radios[i].vifs[j], ra))
				return &radios[i];
	for (i = 0; i < nradios; i++)
		if (!radios[i].gone && radio_owns(&radios[i], ra))
			return &radios[i];
	return NULL;
}

static void radio_learn_vif(struct radio *r, const uint8_t *mac)
{
	int i, j;

	if (mac_is_group(mac) || mac_is_zero(mac))
		return;
	/* Most recently used last: a burst of random scan addresses cannot
	 * push out the one the interface sends its data with.
	 */
	for (i = 0; i < r->nvifs; i++) {
		if (!mac_eq(r->vifs[i], mac))
			continue;
		memmove(r->vifs[i], r->vifs[i + 1], (r->nvifs - i - 1) * ETH_ALEN);
		memcpy(r->vifs[r->nvifs - 1], mac, ETH_ALEN);
		return;
	}
	/* An address moves to the radio that sends with it now. */
	for (i = 0; i < nradios; i++) {
		struct radio *o = &radios[i];

		for (j = 0; j < o->nvifs; j++) {
			if (o == r || !mac_eq(o->vifs[j], mac))
				continue;
			memmove(o->vifs[j], o->vifs[j + 1],
				(o->nvifs - j - 1) * ETH_ALEN);
			o->nvifs--;
			break;
		}
	}
	if (r->nvifs == MAX_VIFS) {
		memmove(r->vifs[0], r->vifs[1], (MAX_VIFS - 1) * ETH_ALEN);
		r->nvifs--;
	}
	memcpy(r->vifs[r->nvifs++], mac, ETH_ALEN);
}

/* The last entry of T that names one of R's addresses wins. */
static double per_mac_of(const struct per_mac *t, int n,
			 const struct radio *r, double dflt)
{
	int i;

	for (i = n - 1; i >= 0; i--)
		if (radio_owns(r, t[i].mac))
			return t[i].v;
	return dflt;
}

static double radio_loss(const struct radio *r)
{
	return per_mac_of(loss_to, nloss_to, r, loss_default);
}

static int link_get(const uint8_t *ta, const uint8_t *ra)
{
	struct link *l;
	int i;

	for (i = nlinks - 1; i >= 0; i--)
		if (mac_eq(links[i].ta, ta) && mac_eq(links[i].ra, ra))
			return i;
	if (nlinks == NLINKS_MAX) {
		link_overflow++;
		return -1;
	}
	l = &links[nlinks];
	memset(l, 0, sizeof(*l));
	memcpy(l->ta, ta, ETH_ALEN);
	memcpy(l->ra, ra, ETH_ALEN);
	return nlinks++;
}

/* ---- airtime ---- */

static const uint32_t legacy_kbps[12] = {
	1000, 2000, 5500, 11000, 6000, 9000,
	12000, 18000, 24000, 36000, 48000, 54000,
};

static const uint32_t mcs_kbps[10] = {
	6500, 13000, 19500, 26000, 39000, 52000, 58500, 65000, 78000, 86667,
};

/* Index into legacy_kbps of a legacy rate index on this band. */
static int legacy_slot(int idx, uint32_t freq)
{
	if (idx < 0)
		idx = 0;
	if (freq > 2500)	/* 5/6 GHz bands have no DSSS/CCK rates */
		idx += 4;
	return idx > 11 ? 11 : idx;
}

static uint64_t ofdm_symbols(uint64_t bits, uint64_t kbps)
{
	uint64_t per_sym = 4 * kbps;	/* bits per 4 us symbol, in 1/1000 */

	return ((22 + bits) * 1000 + per_sym - 1) / per_sym;
}

static uint64_t airtime_us(unsigned int len, int idx, uint16_t rflags,
			   uint32_t freq)
{
	uint64_t bits = 8ULL * (len + FCS_LEN);
	uint64_t kbps;
	int nss, mcs, slot;

	if (rflags & HWSIM_RC_VHT_MCS) {
		mcs = (idx & 0xf) > 9 ? 9 : (idx & 0xf);
		nss = ((idx >> 4) & 0x7) + 1;
		kbps = (uint64_t)mcs_kbps[mcs] * nss;
		return 36 + 4 * nss + 4 * ofdm_symbols(bits, kbps);
	}
	if (rflags & HWSIM_RC_MCS) {
		if (idx < 0)
			idx = 0;
		mcs = idx % 8;
		nss = (idx / 8) % 4 + 1;
		kbps = (uint64_t)mcs_kbps[mcs] * nss;
		return 32 + 4 * nss + 4 * ofdm_symbols(bits, kbps);
	}
	slot = legacy_slot(idx, freq);
	kbps = legacy_kbps[slot];
	if (slot < 4)
		return 192 + (bits * 1000 + kbps - 1) / kbps;
	return 20 + 4 * ofdm_symbols(bits, kbps);
}

/* The legacy rate index reported to the receiver (HWSIM_ATTR_RX_RATE). */
static uint32_t rx_rate_idx(int idx, uint16_t rflags, uint32_t freq)
{
	uint64_t kbps;
	int i, lo = freq > 2500 ? 4 : 0;

	if (!(rflags & (HWSIM_RC_MCS | HWSIM_RC_VHT_MCS)))
		return legacy_slot(idx, freq) - lo;
	/* No MCS field in the hwsim ABI: the fastest legacy rate not above. */
	if (idx < 0)
		idx = 0;
	kbps = mcs_kbps[(rflags & HWSIM_RC_VHT_MCS) ?
			((idx & 0xf) > 9 ? 9 : idx & 0xf) : idx % 8];
	for (i = 11; i > 4; i--)
		if (legacy_kbps[i] <= kbps)
			break;
	return i - lo;
}

/* ---- the PHY model (--phy) ----
 *
 * Off by default: every attempt is then lost with the receiver's --loss and
 * airtime counts the frames alone, as before. With --phy:
 *  - an attempt is lost with 1 - (1 - per)(1 - hit)(1 - burst), where per
 *    comes from the link's signal to noise ratio at the attempt's rate (see
 *    per_at()), hit is interference: --loss is what a frame of that length
 *    sent at the band's lowest rate loses, and a shorter transmission is hit
 *    in proportion to its time on the air; burst is the Gilbert-Elliott
 *    state of the receiver (--burst);
 *  - the ACK of an attempt that got through can be lost the same way
 *    (14 bytes at the control rate); the sender then tries again, and the
 *    receiver, which has the frame, discards the repeats;
 *  - a unicast frame gets at most --retry-limit attempts;
 *  - airtime counts DIFS, the mean backoff, the frame, and SIFS + ACK, or the
 *    ACK timeout of an attempt that got no ACK;
 *  - the channel is one: each sender queues its frames behind the air's
 *    busy time, at most --queue of them; a frame past that is dropped and
 *    counted as a queue drop, not as a loss.
 */



static bool phy;
static double noise_dbm = NOISE_REF_DBM;
static double signal_default = RX_SIGNAL_DBM;
static struct per_mac signal_to[MAX_LOSS_TO];
static int nsignal_to;
static unsigned int retry_limit = 7;
static unsigned int queue_limit = 64;
static bool burst_on, phy_opts;
static double burst_gb, burst_bg, burst_loss = 100.0;	/* percent */
static uint64_t air_busy_until, air_busy_us, air_first_us, air_last_us;

/*
 * Receiver minimum input sensitivity, in dBm: the level at which the PER
 * is 10 % for a PSDU of ref_len bytes (IEEE Std 802.11-2016: clause 17, the
 * OFDM PHY, 1000 octets; clause 19, HT 20 MHz, 4096 octets; clause 15/16
 * give -80 dBm at 2 Mbit/s and -76 dBm at 11 Mbit/s for an 8 % FER with
 * 1024 octets, from which 1 and 5.5 Mbit/s are scaled by their bit rate).
 * The standard's figures include a 10 dB noise figure and a 5 dB
 * implementation margin, so the SNR they imply is level - NOISE_REF_DBM.
 */
static const double legacy_sens[12] = {
	-83, -80, -79, -76, -82, -81, -79, -77, -74, -70, -66, -65,
};

static const double mcs_sens[10] = {
	-82, -79, -77, -74, -70, -66, -65, -64, -59, -57,
};

/* The SNR (dB) at which a rate's PER is 10 % for *ref_len bytes. */
static double rate_thr_snr(int idx, uint16_t rflags, uint32_t freq,
			   unsigned int *ref_len)
{
	int mcs, nss;

	if (rflags & (HWSIM_RC_MCS | HWSIM_RC_VHT_MCS)) {
		if (idx < 0)
			idx = 0;
		if (rflags & HWSIM_RC_VHT_MCS) {
			mcs = (idx & 0xf) > 9 ? 9 : (idx & 0xf);
			nss = ((idx >> 4) & 0x7) + 1;
		} else {
			mcs = idx % 8;
			nss = (idx / 8) % 4 + 1;
		}
		*ref_len = 4096;
		/* More streams share the power: 3 dB per doubling. */
		return mcs_sens[mcs] - NOISE_REF_DBM + 10.0 * log10(nss);
	}
	idx = legacy_slot(idx, freq);
	*ref_len = idx < 4 ? 1024 : 1000;
	return legacy_sens[idx] - NOISE_REF_DBM;
}

/*
 * PER of a LEN-byte PSDU at SNR (dB), at a rate whose PER is 10 % at THR dB
 * for REF bytes: a waterfall of one decade per 2 dB (10 % at THR, about 1 %
 * at THR + 2, 0.1 % at THR + 4, 53 % at THR - 2), the bit errors of a longer
 * frame independent.
 */
static double per_at(double snr, double thr, unsigned int len, unsigned int ref)
{
	double a = log(10.0) / 2.0;
	double p = 1.0 / (1.0 + 9.0 * exp(a * (snr - thr)));

	return 1.0 - pow(1.0 - p, (double)len / ref);
}

/* The control rate of an ACK to a frame at rate IDX: the fastest mandatory
 * rate not above it (1/2 Mbit/s for DSSS/CCK, 6/12/24 for OFDM and HT).
 */
static int ack_slot(int idx, uint16_t rflags, uint32_t freq)
{
	uint64_t kbps;
	int slot;

	if (rflags & (HWSIM_RC_MCS | HWSIM_RC_VHT_MCS)) {
		kbps = mcs_kbps[(rflags & HWSIM_RC_VHT_MCS) ?
				((idx & 0xf) > 9 ? 9 : idx & 0xf) :
				(idx < 0 ? 0 : idx % 8)];
	} else {
		slot = legacy_slot(idx, freq);
		if (slot < 4)
			return slot ? 1 : 0;
		kbps = legacy_kbps[slot];
	}
	return kbps >= 24000 ? 8 : kbps >= 12000 ? 6 : 4;
}

/* The legacy rate index of SLOT for airtime_us() on this band. */
static int slot_idx(int slot, uint32_t freq)
{
	return freq > 2500 ? slot - 4 : slot;
}

static uint64_t ack_airtime(int idx, uint16_t rflags, uint32_t freq)
{
	return airtime_us(ACK_FRAME_LEN, slot_idx(ack_slot(idx, rflags, freq),
						  freq), 0, freq);
}

/* Mean backoff before attempt K (0: the first), in us. */
static uint64_t backoff_us(unsigned int k)
{
	uint32_t cw = k > 6 ? CW_MAX : ((CW_MIN + 1U) << k) - 1;

	if (cw > CW_MAX)
		cw = CW_MAX;
	return cw * SLOT_US / 2;
}

/* Interference: LOSS (percent) is what an AIR_REF us transmission loses. */
static double hit_at(double loss, uint64_t air, uint64_t air_ref)
{
	if (loss <= 0.0)
		return 0.0;
	if (loss >= 100.0)
		return 1.0;
	return 1.0 - pow(1.0 - loss / 100.0, (double)air / air_ref);
}

/* Probability that one attempt of LEN bytes is lost on a link with SNR and
 * interference LOSS; *ack gets that of its ACK.
 */
static double attempt_loss(double snr, double loss, unsigned int len, int idx,
			   uint16_t rflags, uint32_t freq, double *ack)
{
	int lowest = slot_idx(freq > 2500 ? 4 : 0, freq);
	unsigned int ref;
	double thr, p;
	int as;

	thr = rate_thr_snr(idx, rflags, freq, &ref);
	p = 1.0 - (1.0 - per_at(snr, thr, len + FCS_LEN, ref)) *
		  (1.0 - hit_at(loss, airtime_us(len, idx, rflags, freq),
				airtime_us(len, lowest, 0, freq)));
	if (ack) {
		as = ack_slot(idx, rflags, freq);
		thr = rate_thr_snr(slot_idx(as, freq), 0, freq, &ref);
		*ack = 1.0 - (1.0 - per_at(snr, thr, ACK_FRAME_LEN + FCS_LEN, ref)) *
			     (1.0 - hit_at(loss, ack_airtime(idx, rflags, freq),
					   airtime_us(ACK_FRAME_LEN, lowest, 0, freq)));
	}
	return p;
}

static double sig_of(const struct radio *r)
{
	return per_mac_of(signal_to, nsignal_to, r, signal_default);
}

/* A link is as good as its weaker end says (the model is symmetric). */
static double link_snr(const struct radio *a, const struct radio *b)
{
	double sa = sig_of(a), sb = b ? sig_of(b) : sa;

	return (sa < sb ? sa : sb) - noise_dbm;
}

/* The receiver's Gilbert-Elliott state moves once per attempt; returns the
 * loss of this attempt due to it.
 */
static double burst_step(struct radio *rx)
{
	double p;

	if (!burst_on)
		return 0.0;
	p = rx->burst_bad ? burst_loss / 100.0 : 0.0;
	if (roll_lost(rx->burst_bad ? burst_bg : burst_gb))
		rx->burst_bad = !rx->burst_bad;
	return p;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* Whether TX may put a frame on the air at NOW: not if its queue is full. */
static bool air_admit(struct radio *tx, uint64_t now)
{
	while (tx->q_len && tx->q_done[tx->q_head] <= now) {
		tx->q_head = (tx->q_head + 1) % QUEUE_MAX;
		tx->q_len--;
	}
	if (tx->q_len >= queue_limit) {
		tx->tx.queue_drops++;
		return false;
	}
	return true;
}

/* TX's frame, admitted at NOW, takes AIR us once the air is free. */
static void air_take(struct radio *tx, uint64_t now, uint64_t air)
{
	uint64_t start = air_busy_until > now ? air_busy_until : now;

	if (!air_first_us)
		air_first_us = now;
	air_busy_until = start + air;
	air_busy_us += air;
	air_last_us = air_busy_until;
	tx->q_done[(tx->q_head + tx->q_len) % QUEUE_MAX] = air_busy_until;
	tx->q_len++;
}

/* ---- frame parsing ---- */

#define FC_TYPE(fc)	(((fc) >> 2) & 3)
#define FC_STYPE(fc)	(((fc) >> 4) & 0xf)
#define FT_MGMT		0
#define FT_CTRL		1
#define FT_DATA		2
#define MGMT_PROBE_REQ	4

/* Number of stream datagrams in a data frame (0 or 1). */
static int stream_count(const uint8_t *f, size_t len)
{
	uint16_t fc = f[0] | f[1] << 8;
	size_t off = 24, ip;
	uint16_t ethertype;
	bool qos;

	if (FC_TYPE(fc) != FT_DATA || (FC_STYPE(fc) & 0x4))
		return 0;		/* not data, or no body (Null) */
	if (fc & 0x4000)
		return 0;		/* protected: cannot look inside */
	qos = FC_STYPE(fc) & 0x8;
	if ((fc & 0x0300) == 0x0300)
		off += 6;		/* ToDS and FromDS: addr4 */
	if (qos) {
		if (len < off + 2 || (f[off] & 0x80))
			return 0;	/* A-MSDU: not produced by hwsim */
		off += 2;
		if (fc & 0x8000)
			off += 4;	/* +HTC */
	}
	if (len < off + 8)
		return 0;
	if (f[off] != 0xaa || f[off + 1] != 0xaa || f[off + 2] != 0x03)
		return 0;
	ethertype = f[off + 6] << 8 | f[off + 7];
	ip = off + 8;

	if (ethertype == 0x0800) {
		size_t ihl;

		if (len < ip + 20 || (f[ip] >> 4) != 4)
			return 0;
		ihl = (f[ip] & 0xf) * 4;
		if (ihl < 20 || f[ip + 9] != 17)
			return 0;
		if (((f[ip + 6] & 0x1f) << 8 | f[ip + 7]) != 0)
			return 0;	/* later fragment: no UDP header */
		ip += ihl;
	} else if (ethertype == 0x86dd) {
		uint8_t nh;

		if (len < ip + 40 || (f[ip] >> 4) != 6)
			return 0;
		nh = f[ip + 6];
		ip += 40;
		for (;;) {
			if (nh == 17)
				break;
			if (len < ip + 8)
				return 0;
			if (nh == 0 || nh == 43 || nh == 60) {
				nh = f[ip];
				ip += (f[ip + 1] + 1) * 8;
			} else if (nh == 44) {
				if ((f[ip + 2] << 8 | f[ip + 3]) & 0xfff8)
					return 0;
				nh = f[ip];
				ip += 8;
			} else {
				return 0;
			}
		}
	} else {
		return 0;
	}
	if (len < ip + 8)
		return 0;
	return (unsigned int)(f[ip + 2] << 8 | f[ip + 3]) == stream_port;
}

/* ---- netlink ---- */

static struct nlmsghdr *msg_start(char *buf, uint16_t type, uint16_t flags,
				  uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seqno;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = HWSIM_GENL_VERSION;
	return nlh;
}

static int nl_send(struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* The extack message of an NLMSG_ERROR, if any. */
static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return NULL;
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)err + off),
				  mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

/*
 * Send a request and wait for its answer. Returns the NLMSG_ERROR code
 * (which for NEW_RADIO is the new radio's index when not negative); a reply
 * carrying data is passed to cb. *msg gets the extack message on error.
 */
static int nl_request(struct nlmsghdr *req, mnl_cb_t cb, void *data,
		      char *msg, size_t msglen)
{
	static char buf[65536];
	uint32_t seq = req->nlmsg_seq;
	uint32_t portid = mnl_socket_get_portid(nl);
	int ret, len;

	if (msg)
		msg[0] = 0;
	ret = nl_send(req);
	if (ret)
		return ret;
	for (;;) {
		struct nlmsghdr *nlh;

		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				const char *m = extack_msg(nlh);

				if (m && msg)
					snprintf(msg, msglen, "%s", m);
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(nlh, data) < 0)
				return -EPROTO;
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

/* The id of hwsim's "config" multicast group (radio added/removed). */
static uint32_t config_group;

static void mcast_groups(const struct nlattr *nest)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (name && !strcmp(name, "config"))
			config_group = id;
	}
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(uint16_t *)data = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			mcast_groups(a);
	}
	return MNL_CB_OK;
}

static void nl_open(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, ret;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		die("cannot open a generic netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("cannot bind the netlink socket: %s", strerror(errno));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = msg_start(buf, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HWSIM_FAMILY);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	ret = nl_request(nlh, family_cb, &family_id, NULL, 0);
	if (ret < 0 || !family_id)
		die("generic netlink family %s not found (%s): is mac80211_hwsim loaded?",
		    HWSIM_FAMILY, ret < 0 ? strerror(-ret) : "no id");
}

static void print_nl_error(const char *what, int err, const char *msg)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err),
		msg && *msg ? ": " : "", msg && *msg ? msg : "");
}

/* ---- radio add / del ---- */

struct radio_info {
	char name[64];
	uint32_t id;
	bool have_id;
};

static int radio_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct radio_info *ri = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case HWSIM_ATTR_RADIO_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				ri->id = mnl_attr_get_u32(a);
				ri->have_id = true;
			}
			break;
		case HWSIM_ATTR_RADIO_NAME: {
			size_t n = mnl_attr_get_payload_len(a);

			/* Not NUL-terminated in hwsim's replies. */
			if (n >= sizeof(ri->name))
				n = sizeof(ri->name) - 1;
			memcpy(ri->name, mnl_attr_get_payload(a), n);
			ri->name[n] = 0;
			break;
		}
		}
	}
	return MNL_CB_OK;
}

static void radio_del_id(uint32_t id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;

	nlh = msg_start(buf, family_id, NLM_F_ACK, HWSIM_CMD_DEL_RADIO);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_RADIO_ID, id);
	nl_request(nlh, NULL, NULL, NULL, 0);
}

static int cmd_radio(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], msg[256];
	struct radio_info ri = { 0 };
	struct nlmsghdr *nlh;
	const char *name;
	bool add;
	int ret;

	if (argc < 2)
		bad_args("radio: expected 'add NAME' or 'del NAME'");
	if (!strcmp(argv[1], "add"))
		add = true;
	else if (!strcmp(argv[1], "del"))
		add = false;
	else
		bad_args("radio: unknown action '%s' (add or del)", argv[1]);
	if (argc != 3)
		bad_args("radio %s: expected exactly one NAME", argv[1]);
	name = argv[2];
	if (!*name || strlen(name) >= sizeof(ri.name) || strchr(name, '/'))
		bad_args("radio %s: invalid name '%s'", argv[1], name);

	nl_open();
	if (!add) {
		nlh = msg_start(buf, family_id, NLM_F_ACK, HWSIM_CMD_DEL_RADIO);
		mnl_attr_put_strz(nlh, HWSIM_ATTR_RADIO_NAME, name);
		ret = nl_request(nlh, NULL, NULL, msg, sizeof(msg));
		if (ret == -ENODEV) {
			fprintf(stderr, "%s: radio del: no radio named '%s' in this network namespace\n",
				prog, name);
			return 1;
		}
		if (ret < 0) {
			print_nl_error("radio del", ret, msg);
			return 1;
		}
		return 0;
	}

	nlh = msg_start(buf, family_id, NLM_F_ACK, HWSIM_CMD_NEW_RADIO);
	mnl_attr_put_strz(nlh, HWSIM_ATTR_RADIO_NAME, name);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_CHANNELS, 1);
	ret = nl_request(nlh, NULL, NULL, msg, sizeof(msg));
	if (ret < 0) {
		print_nl_error("radio add", ret, msg);
		return 1;
	}

	/* cfg80211 silently falls back to phyN when the name is taken. */
	nlh = msg_start(buf, family_id, 0, HWSIM_CMD_GET_RADIO);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_RADIO_ID, ret);
	if (nl_request(nlh, radio_info_cb, &ri, NULL, 0) < 0 || !ri.name[0]) {
		fprintf(stderr, "%s: radio add: created radio %d but cannot read its name back\n",
			prog, ret);
		return 1;
	}
	if (strcmp(ri.name, name)) {
		radio_del_id(ret);
		fprintf(stderr, "%s: radio add: the wiphy name '%s' is taken or not allowed (the kernel named it '%s'; removed it)\n",
			prog, name, ri.name);
		return 1;
	}
	return 0;
}

/* ---- the medium ---- */

static void sent_record(uint32_t seq, int radio, int link, int stream)
{
	struct sent *s = &sent_ring[seq % SEQ_RING];

	s->seq = seq;
	s->radio = radio;
	s->link = link;
	s->stream = stream;
}

/* Hand a frame to one radio. */
static void deliver(struct radio *rx, const void *frame, size_t len,
		    uint32_t rate, uint32_t freq, int link, int stream,
		    int signal)
{
	static char buf[8192];
	struct nlmsghdr *nlh;

	if (len + 256 > sizeof(buf))
		return;
	nlh = msg_start(buf, family_id, 0, HWSIM_CMD_FRAME);
	mnl_attr_put(nlh, HWSIM_ATTR_ADDR_RECEIVER, ETH_ALEN, rx->addr);
	mnl_attr_put(nlh, HWSIM_ATTR_FRAME, len, frame);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_RX_RATE, rate);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_SIGNAL, (uint32_t)signal);
	if (freq)
		mnl_attr_put_u32(nlh, HWSIM_ATTR_FREQ, freq);
	sent_record(nlh->nlmsg_seq, rx - radios, link, stream);
	nl_send(nlh);
}

/*
 * TX status reports the kernel refused, to send again. hwsim hands a frame
 * to the medium before it queues the frame to wait for its status, so an
 * immediate answer can arrive first and find no frame with its cookie
 * (-EINVAL). The answer is repeated after 1, 2, 4 ... ms until it is taken.
 */
#define STATUS_MSG_MAX	256
#define STATUS_TRIES	10
#define RETRY_MAX	1024

struct status_msg {
	uint32_t seq;
	uint8_t tries;
	uint16_t len;
	char msg[STATUS_MSG_MAX];
};

struct status_retry {
	struct timespec due;
	struct status_msg m;
};

static struct status_msg status_ring[SEQ_RING];
static struct status_retry retries[RETRY_MAX];
static int nretries;

static void status_send(const struct status_msg *m)
{
	struct status_msg *c;
	struct nlmsghdr *nlh;

	c = &status_ring[(seqno + 1) % SEQ_RING];
	memcpy(c, m, sizeof(*c));
	nlh = (struct nlmsghdr *)c->msg;
	nlh->nlmsg_seq = ++seqno;
	c->seq = seqno;
	sent_record(seqno, -1, -1, 0);
	mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
}

static void tx_status(const uint8_t *ta, uint32_t flags, uint64_t cookie,
		      const struct hwsim_tx_rate *rates,
		      const struct hwsim_tx_rate_flag *rflags)
{
	struct status_msg m;
	struct nlmsghdr *nlh;

	nlh = msg_start(m.msg, family_id, 0, HWSIM_CMD_TX_INFO_FRAME);
	mnl_attr_put(nlh, HWSIM_ATTR_ADDR_TRANSMITTER, ETH_ALEN, ta);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_FLAGS, flags);
	mnl_attr_put_u64(nlh, HWSIM_ATTR_COOKIE, cookie);
	mnl_attr_put_u32(nlh, HWSIM_ATTR_SIGNAL, (uint32_t)RX_SIGNAL_DBM);
	mnl_attr_put(nlh, HWSIM_ATTR_TX_INFO,
		     sizeof(struct hwsim_tx_rate) * TX_MAX_RATES, rates);
	if (rflags)
		mnl_attr_put(nlh, HWSIM_ATTR_TX_INFO_FLAGS,
			     sizeof(struct hwsim_tx_rate_flag) * TX_MAX_RATES,
			     rflags);
	m.tries = 0;
	m.len = nlh->nlmsg_len;
	seqno--;		/* status_send() numbers it */
	status_send(&m);
}

static int64_t ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 +
	       (t->tv_nsec - now.tv_nsec) / 1000000;
}

static void status_refused_by_kernel(uint32_t seq)
{
	struct status_msg *c = &status_ring[seq % SEQ_RING];
	struct status_retry *r;
	long ms;

	if (c->seq != seq)
		return;
	c->seq = 0;
	if (c->tries + 1 >= STATUS_TRIES || nretries == RETRY_MAX) {
		status_refused++;
		return;
	}
	status_retried++;
	r = &retries[nretries++];
	r->m = *c;
	r->m.tries++;
	ms = 1L << (c->tries < 6 ? c->tries : 6);
	clock_gettime(CLOCK_MONOTONIC, &r->due);
	r->due.tv_nsec += ms * 1000000;
	r->due.tv_sec += r->due.tv_nsec / 1000000000;
	r->due.tv_nsec %= 1000000000;
}

/* Send the retries that are due; returns ms to the next one, or -1. */
static int status_retry_due(void)
{
	int64_t next = -1, ms;
	int i = 0;

	while (i < nretries) {
		ms = ms_until(&retries[i].due);
		if (ms <= 0) {
			struct status_msg m = retries[i].m;

			retries[i] = retries[--nretries];
			status_send(&m);
			continue;
		}
		if (next < 0 || ms < next)
			next = ms;
		i++;
	}
	return next;
}

static bool same_freq(const struct radio *rx, uint32_t freq)
{
	return !rx->freq || !freq || rx->freq == freq;
}

/* Keep entries [0, last] of the chain, last with count attempts. */
static void chain_cut(struct hwsim_tx_rate *rates,
		      struct hwsim_tx_rate_flag *rflags, int last, int count)
{
	int i;

	rates[last].count = count;
	for (i = last + 1; i < TX_MAX_RATES; i++) {
		rates[i].idx = -1;
		rates[i].count = 0;
		if (rflags)
			rflags[i].idx = -1;
	}
}

enum attempt_res {
	ATTEMPT_LOST,		/* the receiver did not get it */
	ATTEMPT_ACK_LOST,	/* it did, the sender does not know: retry */
	ATTEMPT_DONE,		/* acknowledged, or needs no ACK */
};

/* One unicast attempt, the N-th (from 0) of its frame: AT us of data, then
 * an ACK of ACK_US after SIFS, or an ACK timeout. P_PCT is the data's loss
 * in percent (100: the receiver is not there), PACK the ACK's, as a
 * fraction. Without the PHY model only the data and a received ACK take
 * air, and ACKs are never lost. Adds the air taken to *AIR. handle_frame
 * and 'model exchange' both run through here.
 */
static enum attempt_res unicast_attempt(bool phy_on, uint64_t n, uint64_t at,
					uint64_t ack_us, double p_pct,
					double pack, bool noack, uint64_t *air)
{
	*air += at;
	if (phy_on)
		*air += DIFS_US + backoff_us(n);
	if (roll_lost(p_pct)) {
		if (phy_on && !noack)
			*air += ACK_TIMEOUT_US;
		return ATTEMPT_LOST;
	}
	if (noack)
		return ATTEMPT_DONE;
	*air += SIFS_US + ack_us;
	if (phy_on && roll_lost(100.0 * pack))
		return ATTEMPT_ACK_LOST;
	return ATTEMPT_DONE;
}

static void handle_frame(const struct nlattr **tb)
{
	struct hwsim_tx_rate rates[TX_MAX_RATES];
	struct hwsim_tx_rate_flag rflag_buf[TX_MAX_RATES], *rflags = NULL;
	const uint8_t *frame, *addr1, *addr2 = NULL;
	uint32_t flags, freq = 0, status;
	struct radio *tx, *dst;
	uint64_t cookie;
	size_t len;
	uint16_t fc;
	bool is_data, probe_req;
	int link = -1, stream, i;

	if (!tb[HWSIM_ATTR_ADDR_TRANSMITTER] || !tb[HWSIM_ATTR_FRAME] ||
	    !tb[HWSIM_ATTR_FLAGS] || !tb[HWSIM_ATTR_COOKIE] ||
	    !tb[HWSIM_ATTR_TX_INFO] ||
	    mnl_attr_get_payload_len(tb[HWSIM_ATTR_ADDR_TRANSMITTER]) != ETH_ALEN ||
	    mnl_attr_get_payload_len(tb[HWSIM_ATTR_TX_INFO]) != sizeof(rates))
		return;
	tx = radio_by_addr(mnl_attr_get_payload(tb[HWSIM_ATTR_ADDR_TRANSMITTER]),
			   true);
	frame = mnl_attr_get_payload(tb[HWSIM_ATTR_FRAME]);
	len = mnl_attr_get_payload_len(tb[HWSIM_ATTR_FRAME]);
	flags = mnl_attr_get_u32(tb[HWSIM_ATTR_FLAGS]);
	cookie = mnl_attr_get_u64(tb[HWSIM_ATTR_COOKIE]);
	memcpy(rates, mnl_attr_get_payload(tb[HWSIM_ATTR_TX_INFO]), sizeof(rates));
	if (tb[HWSIM_ATTR_TX_INFO_FLAGS] &&
	    mnl_attr_get_payload_len(tb[HWSIM_ATTR_TX_INFO_FLAGS]) == sizeof(rflag_buf)) {
		memcpy(rflag_buf, mnl_attr_get_payload(tb[HWSIM_ATTR_TX_INFO_FLAGS]),
		       sizeof(rflag_buf));
		rflags = rflag_buf;
	}
	if (tb[HWSIM_ATTR_FREQ])
		freq = mnl_attr_get_u32(tb[HWSIM_ATTR_FREQ]);
	if (!tx) {
		/* More radios than we track: report it lost, never stall. */
		tx_status(mnl_attr_get_payload(tb[HWSIM_ATTR_ADDR_TRANSMITTER]),
			  flags & ~HWSIM_TX_STAT_ACK, cookie, rates, rflags);
		return;
	}
	if (len < 10) {
		tx_status(tx->addr, flags & ~HWSIM_TX_STAT_ACK, cookie, rates,
			  rflags);
		return;
	}

	fc = frame[0] | frame[1] << 8;
	addr1 = frame + 4;
	if (len >= 16)
		addr2 = frame + 10;
	probe_req = FC_TYPE(fc) == FT_MGMT && FC_STYPE(fc) == MGMT_PROBE_REQ;
	is_data = FC_TYPE(fc) == FT_DATA && !(FC_STYPE(fc) & 0x4);

	/* A scanning radio listens everywhere; otherwise where it sends. */
	if (probe_req)
		tx->freq = 0;
	else if (freq)
		tx->freq = freq;
	if (!freq)
		freq = tx->freq;
	if (addr2 && FC_TYPE(fc) != FT_CTRL)
		radio_learn_vif(tx, addr2);

	stream = is_data ? stream_count(frame, len) : 0;
	if (is_data && addr2)
		link = link_get(addr2, addr1);
	tx->tx.frames++;

	if (mac_is_group(addr1)) {
		uint16_t rf = rflags ? rflags[0].flags : 0;
		int rate = rates[0].idx;
		uint64_t at = airtime_us(len, rate, rf, freq);
		uint32_t rxrate = rx_rate_idx(rate, rf, freq);
		uint64_t ndel = 0, now = 0;
		double p;

		if (rates[0].idx < 0) {
			rates[0].idx = 0;
			if (rflags)
				rflags[0].idx = 0;
		}
		chain_cut(rates, rflags, 0, 1);
		if (phy) {
			now = now_us();
			if (!air_admit(tx, now)) {
				tx_status(tx->addr, flags & ~HWSIM_TX_STAT_ACK,
					  cookie, rates, rflags);
				return;
			}
			at += DIFS_US + backoff_us(0);
		}
		for (i = 0; i < nradios; i++) {
			struct radio *rx = &radios[i];

			if (rx == tx || rx->gone || !same_freq(rx, freq))
				continue;
			rx->rx.frames++;
			rx->rx.attempts++;
			rx->rx.airtime_us += at;
			p = radio_loss(rx);
			if (phy)
				p = 100.0 * (1.0 - (1.0 - attempt_loss(
					link_snr(tx, rx), p, len, rate, rf,
					freq, NULL)) * (1.0 - burst_step(rx)));
			if (roll_lost(p)) {
				rx->rx.lost++;
				continue;
			}
			rx->rx.delivered++;
			rx->rx.stream_delivered += stream;
			ndel++;
			deliver(rx, frame, len, rxrate, freq, link, stream,
				phy ? (int)(link_snr(tx, rx) + noise_dbm) :
				RX_SIGNAL_DBM);
		}
		if (phy)
			air_take(tx, now, at);
		tx->tx.attempts++;
		tx->tx.airtime_us += at;
		if (link >= 0) {
			struct link *l = &links[link];

			l->data++;
			l->attempts++;
			l->airtime_us += at;
			l->delivered += ndel;
			l->stream += stream;
			l->stream_delivered += ndel * stream;
		}
		tx_status(tx->addr, flags & ~HWSIM_TX_STAT_ACK, cookie, rates,
			  rflags);
		return;
	}

	/* Unicast: walk the retry chain towards the owner of addr1. */
	{
		bool noack = flags & HWSIM_TX_CTL_NO_ACK;
		bool reachable, ok = false, got = false, capped = false;
		uint64_t air = 0, n = 0, offered = 0, now = 0;
		int e, k = 0, last = 0, nent = 0;
		double loss, p, pack = 0.0;
		enum attempt_res res;
		uint32_t rxrate = 0;

		dst = radio_by_ra(addr1);
		if (dst == tx)
			dst = NULL;
		reachable = dst && same_freq(dst, freq);
		loss = dst ? radio_loss(dst) : 100.0;

		for (e = 0; e < TX_MAX_RATES; e++) {
			if (rates[e].idx < 0 || !rates[e].count)
				break;
			nent++;
		}
		if (!nent) {
			/* No chain given: one attempt at the lowest rate. */
			rates[0].idx = 0;
			rates[0].count = 1;
			if (rflags) {
				rflags[0].idx = 0;
				rflags[0].flags = 0;
			}
			nent = 1;
		}
		if (noack) {
			nent = 1;
			rates[0].count = 1;
		}
		for (e = 0; e < nent; e++)
			offered += rates[e].count;
		if (phy) {
			now = now_us();
			if (!air_admit(tx, now)) {
				chain_cut(rates, rflags, 0, 1);
				tx_status(tx->addr, flags & ~HWSIM_TX_STAT_ACK,
					  cookie, rates, rflags);
				return;
			}
		}
		for (e = 0; e < nent && !ok && !capped; e++) {
			uint16_t rf = rflags ? rflags[e].flags : 0;
			uint64_t at = airtime_us(len, rates[e].idx, rf, freq);

			for (k = 1; k <= rates[e].count; k++) {
				p = loss;
				if (phy && reachable)
					p = 100.0 * (1.0 - (1.0 - attempt_loss(
						link_snr(tx, dst), loss, len,
						rates[e].idx, rf, freq, &pack)) *
						(1.0 - burst_step(dst)));
				res = unicast_attempt(phy, n++, at, phy ?
						      ack_airtime(rates[e].idx, rf, freq) :
						      ACK_US, reachable ? p : 100.0,
						      pack, noack, &air);
				if (res != ATTEMPT_LOST) {
					got = true;
					rxrate = rx_rate_idx(rates[e].idx, rf, freq);
				}
				if (res == ATTEMPT_DONE) {
					ok = true;
					break;
				}
				if (res == ATTEMPT_ACK_LOST)
					tx->tx.acks_lost++;
				if (phy && n >= retry_limit) {
					capped = true;
					break;
				}
			}
			last = e;
		}
		if (capped && !ok)
			k = k > rates[last].count ? rates[last].count : k;
		if (phy)
			air_take(tx, now, air);
		if (ok || capped)
			chain_cut(rates, rflags, last, k);
		else
			chain_cut(rates, rflags, nent - 1, rates[nent - 1].count);

		status = flags & ~HWSIM_TX_STAT_ACK;
		if (ok && !noack)
			status |= HWSIM_TX_STAT_ACK;
		tx->tx.attempts += n;
		tx->tx.airtime_us += air;
		if (ok && !noack)
			tx->tx.acked++;
		if (dst) {
			dst->rx.frames++;
			dst->rx.attempts += n;
			dst->rx.airtime_us += air;
			if (got) {
				dst->rx.delivered++;
				dst->rx.stream_delivered += stream;
			} else {
				dst->rx.lost++;
			}
		}
		if (link >= 0) {
			struct link *l = &links[link];

			l->data++;
			l->attempts += n;
			l->offered += offered;
			l->airtime_us += air;
			l->delivered += got;
			l->stream += stream;
			l->stream_delivered += got ? stream : 0;
		}
		/* Deliver before the status, as the air would. */
		if (got)
			deliver(dst, frame, len, rxrate, freq, link, stream,
				phy ? (int)(link_snr(tx, dst) + noise_dbm) :
				RX_SIGNAL_DBM);
		tx_status(tx->addr, status, cookie, rates, rflags);
	}
}

/* The kernel refused a message we sent: undo a delivery's counts. */
static void handle_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct sent *s;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e) || e->error >= 0)
		return;
	s = &sent_ring[e->msg.nlmsg_seq % SEQ_RING];
	if (s->seq != e->msg.nlmsg_seq)
		return;
	if (s->radio < 0) {
		status_refused_by_kernel(s->seq);
		s->seq = 0;
		return;
	}
	radios[s->radio].rx.refused++;
	if (radios[s->radio].rx.delivered)
		radios[s->radio].rx.delivered--;
	if (radios[s->radio].rx.stream_delivered >= s->stream)
		radios[s->radio].rx.stream_delivered -= s->stream;
	if (s->link >= 0) {
		struct link *l = &links[s->link];

		if (l->delivered)
			l->delivered--;
		if (l->stream_delivered >= s->stream)
			l->stream_delivered -= s->stream;
	}
	s->seq = 0;
}

/* A radio named by its index: hwsim derives its address from it. */
static void radio_from_msg(const struct nlmsghdr *nlh, bool del)
{
	struct radio_info ri = { 0 };
	uint8_t addr[ETH_ALEN] = { 0x42, 0, 0, 0, 0, 0 };
	struct radio *r;

	radio_info_cb(nlh, &ri);
	if (!ri.have_id)
		return;
	addr[3] = ri.id >> 8;
	addr[4] = ri.id;
	r = radio_by_addr(addr, !del);
	if (!r)
		return;
	r->gone = del;
	if (ri.name[0])
		snprintf(r->name, sizeof(r->name), "%s", ri.name);
}

/* Radios still in this namespace are known before they send anything. */
static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	radio_from_msg(nlh, false);
	return MNL_CB_OK;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= 0 || type > HWSIM_ATTR_MAX_KNOWN)
		return MNL_CB_OK;
	switch (type) {
	case HWSIM_ATTR_FLAGS:
	case HWSIM_ATTR_FREQ:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		break;
	case HWSIM_ATTR_COOKIE:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return MNL_CB_OK;
		break;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static void handle_msg(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[HWSIM_ATTR_MAX_KNOWN + 1] = { 0 };
	const struct genlmsghdr *g;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		handle_error(nlh);
		return;
	}
	if (nlh->nlmsg_type != family_id ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return;
	g = mnl_nlmsg_get_payload(nlh);
	if (g->cmd == HWSIM_CMD_NEW_RADIO || g->cmd == HWSIM_CMD_DEL_RADIO) {
		radio_from_msg(nlh, g->cmd == HWSIM_CMD_DEL_RADIO);
		return;
	}
	if (g->cmd != HWSIM_CMD_FRAME)
		return;
	mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb);
	handle_frame(tb);
}

static void json_mac(FILE *f, const uint8_t *mac)
{
	char b[18];

	fprintf(f, "\"%s\"", mac_str(mac, b));
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_stats(void)
{
	char tmp[PATH_MAX];
	FILE *f;
	int i, j;

	if (!stats_file)
		return;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", stats_file) >= (int)sizeof(tmp)) {
		fprintf(stderr, "%s: --stats path too long\n", prog);
		return;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, tmp,
			strerror(errno));
		return;
	}
	fprintf(f, "{\"seed\":%" PRIu64 ",\"loss\":%g,\"loss_to\":{", seed,
		loss_default);
	for (i = 0; i < nloss_to; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_mac(f, loss_to[i].mac);
		fprintf(f, ":%g", loss_to[i].v);
	}
	fprintf(f, "},\"phy\":");
	if (phy) {
		fprintf(f, "{\"noise_dbm\":%g,\"signal_dbm\":%g,\"signal_to\":{",
			noise_dbm, signal_default);
		for (i = 0; i < nsignal_to; i++) {
			fprintf(f, "%s", i ? "," : "");
			json_mac(f, signal_to[i].mac);
			fprintf(f, ":%g", signal_to[i].v);
		}
		fprintf(f, "},\"retry_limit\":%u,\"queue\":%u,\"burst\":",
			retry_limit, queue_limit);
		if (burst_on)
			fprintf(f, "[%g,%g,%g]", burst_gb, burst_bg, burst_loss);
		else
			fprintf(f, "null");
		fprintf(f, ",\"busy_us\":%" PRIu64 ",\"span_us\":%" PRIu64 "}",
			air_busy_us, air_last_us - air_first_us);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\"stream_port\":%u,\"overruns\":%" PRIu64
		",\"links_dropped\":%" PRIu64 ",\"status_retried\":%" PRIu64
		",\"status_refused\":%" PRIu64 ",\n\"radios\":[",
		stream_port, overruns, link_overflow, status_retried,
		status_refused);
	for (i = 0; i < nradios; i++) {
		const struct radio *r = &radios[i];

		fprintf(f, "%s\n{\"radio\":", i ? "," : "");
		json_mac(f, r->addr);
		if (r->name[0]) {
			fprintf(f, ",\"name\":");
			json_string(f, r->name);
		}
		fprintf(f, ",\"vifs\":[");
		for (j = 0; j < r->nvifs; j++) {
			fprintf(f, "%s", j ? "," : "");
			json_mac(f, r->vifs[j]);
		}
		fprintf(f, "],\"freq\":");
		if (r->freq)
			fprintf(f, "%u", r->freq);
		else
			fprintf(f, "null");
		if (r->gone)
			fprintf(f, ",\"gone\":true");
		fprintf(f, ",\"loss\":%g", radio_loss(r));
		fprintf(f, ",\"rx\":{\"frames\":%" PRIu64 ",\"attempts\":%" PRIu64
			",\"delivered\":%" PRIu64 ",\"lost\":%" PRIu64
			",\"airtime_us\":%" PRIu64 ",\"stream_delivered\":%" PRIu64
			",\"refused\":%" PRIu64 "}",
			r->rx.frames, r->rx.attempts, r->rx.delivered,
			r->rx.lost, r->rx.airtime_us, r->rx.stream_delivered,
			r->rx.refused);
		fprintf(f, ",\"tx\":{\"frames\":%" PRIu64 ",\"attempts\":%" PRIu64
			",\"acked\":%" PRIu64 ",\"airtime_us\":%" PRIu64
			",\"queue_drops\":%" PRIu64 ",\"acks_lost\":%" PRIu64 "}}",
			r->tx.frames, r->tx.attempts, r->tx.acked,
			r->tx.airtime_us, r->tx.queue_drops, r->tx.acks_lost);
	}
	fprintf(f, "],\n\"links\":[");
	for (i = 0; i < nlinks; i++) {
		const struct link *l = &links[i];

		fprintf(f, "%s\n{\"ta\":", i ? "," : "");
		json_mac(f, l->ta);
		fprintf(f, ",\"ra\":");
		json_mac(f, l->ra);
		fprintf(f, ",\"data\":%" PRIu64 ",\"attempts\":%" PRIu64
			",\"delivered\":%" PRIu64 ",\"airtime_us\":%" PRIu64
			",\"stream\":%" PRIu64 ",\"stream_delivered\":%" PRIu64
			",\"offered\":%" PRIu64 "}",
			l->data, l->attempts, l->delivered, l->airtime_us,
			l->stream, l->stream_delivered, l->offered);
	}
	fprintf(f, "]}\n");
	if (fflush(f) || ferror(f)) {
		fprintf(stderr, "%s: writing %s failed\n", prog, tmp);
		fclose(f);
		return;
	}
	fclose(f);
	if (rename(tmp, stats_file) < 0)
		fprintf(stderr, "%s: cannot rename %s to %s: %s\n", prog, tmp,
			stats_file, strerror(errno));
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_dump = 1;
	else
		got_stop = 1;
}

static bool parse_dbm(const char *s, double *dbm)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= -150.0 && v <= 30.0))
		return false;
	*dbm = v;
	return true;
}

/* OPT's "MAC=VALUE": the MAC into MAC, the VALUE returned. */
static const char *mac_value(const char *opt, const char *arg, uint8_t *mac)
{
	const char *eq = strchr(arg, '=');
	char macbuf[32];

	if (!eq || eq - arg >= (long)sizeof(macbuf))
		bad_args("%s: expected MAC=VALUE, got '%s'", opt, arg);
	memcpy(macbuf, arg, eq - arg);
	macbuf[eq - arg] = 0;
	if (!parse_mac(macbuf, mac))
		bad_args("%s: '%s' is not a MAC address", opt, macbuf);
	return eq + 1;
}

/* OPT's "MAC=VALUE" into T (*N entries so far), VALUE read by PARSE. */
static void per_mac_add(struct per_mac *t, int *n, const char *opt,
			const char *arg, bool (*parse)(const char *, double *),
			const char *what)
{
	const char *val;

	if (*n == MAX_LOSS_TO)
		bad_args("%s: at most %d of them", opt, MAX_LOSS_TO);
	val = mac_value(opt, arg, t[*n].mac);
	if (!parse(val, &t[*n].v))
		bad_args("%s: '%s' is not %s", opt, val, what);
	(*n)++;
}

static void opt_seed(const char *arg)
{
	if (!parse_u64(arg, UINT64_MAX, &seed))
		bad_args("--seed: '%s' is not a whole number", arg);
}

static void opt_loss(const char *arg, double *loss)
{
	if (!parse_pct(arg, loss))
		bad_args("--loss: '%s' is not a percentage from 0 to 100", arg);
}

/* The options of the PHY model, shared by "run" and "model". */
static void phy_option(int opt, const char *arg)
{
	char *c1, *c2, buf[64];
	uint64_t v;

	phy_opts |= opt != 'P';
	switch (opt) {
	case 'P':
		phy = true;
		break;
	case 'S':
		if (!strchr(arg, '=')) {
			if (!parse_dbm(arg, &signal_default))
				bad_args("--signal: '%s' is not a level in dBm", arg);
			break;
		}
		per_mac_add(signal_to, &nsignal_to, "--signal", arg, parse_dbm,
			    "a level in dBm");
		break;
	case 'N':
		if (!parse_dbm(arg, &noise_dbm))
			bad_args("--noise: '%s' is not a level in dBm", arg);
		break;
	case 'R':
		if (!parse_u64(arg, 255, &v) || !v)
			bad_args("--retry-limit: '%s' is not a number from 1 to 255", arg);
		retry_limit = v;
		break;
	case 'Q':
		if (!parse_u64(arg, QUEUE_MAX, &v) || !v)
			bad_args("--queue: '%s' is not a number from 1 to %d", arg,
				 QUEUE_MAX);
		queue_limit = v;
		break;
	case 'B':
		if (strlen(arg) >= sizeof(buf))
			bad_args("--burst: '%s' is too long", arg);
		strcpy(buf, arg);
		c1 = strchr(buf, ',');
		c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c1)
			bad_args("--burst: expected GOOD_TO_BAD,BAD_TO_GOOD[,LOSS], got '%s'", arg);
		*c1 = 0;
		if (c2)
			*c2 = 0;
		if (!parse_pct(buf, &burst_gb) || !parse_pct(c1 + 1, &burst_bg) ||
		    (c2 && !parse_pct(c2 + 1, &burst_loss)))
			bad_args("--burst: '%s': each value is a percentage from 0 to 100", arg);
		if (burst_bg <= 0.0)
			bad_args("--burst: BAD_TO_GOOD must be above 0, or the bad state never ends");
		burst_on = true;
		break;
	}
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "loss", required_argument, NULL, 'l' },
		{ "loss-to", required_argument, NULL, 't' },
		{ "stream-port", required_argument, NULL, 'p' },
		{ "stats", required_argument, NULL, 'o' },
		{ "phy", no_argument, NULL, 'P' },
		{ "signal", required_argument, NULL, 'S' },
		{ "noise", required_argument, NULL, 'N' },
		{ "retry-limit", required_argument, NULL, 'R' },
		{ "queue", required_argument, NULL, 'Q' },
		{ "burst", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char buf[1 << 17];
	char req[MNL_SOCKET_BUFFER_SIZE], msg[256];
	struct sigaction sa = { 0 };
	struct nlmsghdr *nlh;
	sigset_t block, empty;
	struct pollfd pfd;
	int opt, ret, rcvbuf = 8 << 20;
	uint64_t v;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			opt_seed(optarg);
			break;
		case 'l':
			opt_loss(optarg, &loss_default);
			break;
		case 't':
			per_mac_add(loss_to, &nloss_to, "--loss-to", optarg,
				    parse_pct, "a percentage from 0 to 100");
			break;
		case 'p':
			if (!parse_u64(optarg, 65535, &v) || !v)
				bad_args("--stream-port: '%s' is not a port number", optarg);
			stream_port = v;
			break;
		case 'o':
			if (!*optarg)
				bad_args("--stats: empty file name");
			stats_file = optarg;
			break;
		case 'P':
		case 'S':
		case 'N':
		case 'R':
		case 'Q':
		case 'B':
			phy_option(opt, optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			bad_args("option '%s' needs a value", argv[optind - 1]);
		default:
			bad_args("run: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		bad_args("run: unexpected argument '%s'", argv[optind]);
	if (phy_opts && !phy)
		bad_args("--signal, --noise, --retry-limit, --queue and --burst need --phy");
	rng_seed(seed);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &empty);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigdelset(&empty, SIGTERM);
	sigdelset(&empty, SIGINT);
	sigdelset(&empty, SIGUSR1);

	nl_open();
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));

	nlh = msg_start(req, family_id, NLM_F_DUMP, HWSIM_CMD_GET_RADIO);
	nl_request(nlh, dump_cb, NULL, NULL, 0);

	nlh = msg_start(req, family_id, NLM_F_ACK, HWSIM_CMD_REGISTER);
	ret = nl_request(nlh, NULL, NULL, msg, sizeof(msg));
	if (ret == -EBUSY)
		die("register: another medium is already registered in this network namespace");
	if (ret == -EOPNOTSUPP)
		die("register: some hwsim radio has more than one channel; the medium needs single-channel radios");
	if (ret < 0) {
		print_nl_error("register", ret, msg);
		return 1;
	}
	/* Radios created from now on in this namespace are announced. */
	if (config_group &&
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &config_group,
				  sizeof(config_group)) < 0)
		fprintf(stderr, "%s: cannot join hwsim's config group: %s\n",
			prog, strerror(errno));
	write_stats();

	pfd.fd = mnl_socket_get_fd(nl);
	pfd.events = POLLIN;
	while (!got_stop) {
		struct nlmsghdr *h;
		struct timespec ts;
		int len, n, timeout;

		if (got_dump) {
			got_dump = 0;
			write_stats();
		}
		timeout = status_retry_due();
		if (timeout >= 0) {
			ts.tv_sec = (timeout + 1) / 1000;
			ts.tv_nsec = (timeout + 1) % 1000 * 1000000L;
		}
		ret = ppoll(&pfd, 1, timeout >= 0 ? &ts : NULL, &empty);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		/*
		 * Drain what is queued (the kernel's answers to our sends come
		 * here too), but go back to ppoll() now and then for signals.
		 */
		for (n = 0; n < 256; n++) {
			len = recv(pfd.fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (len < 0) {
				if (errno == ENOBUFS) {
					overruns++;
					continue;
				}
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				die("netlink receive: %s", strerror(errno));
			}
			for (h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
			     h = mnl_nlmsg_next(h, &len))
				handle_msg(h);
		}
	}
	write_stats();
	mnl_socket_close(nl);
	return 0;
}

/* ---- "model": the PHY model's figures, without radios ---- */

/* The legacy rate index of MBPS on 2.4 GHz, -1 if there is none. */
static int mbps_idx(const char *s)
{
	char *end;
	double v;
	int i;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end)
		return -1;
	for (i = 0; i < 12; i++)
		if (fabs(v * 1000.0 - legacy_kbps[i]) < 1.0)
			return i;
	return -1;
}

/* An 802.11 QoS data frame carrying a UDP/IPv4 datagram of PAYLOAD bytes:
 * header 26, LLC/SNAP 8, IPv4 20, UDP 8.
 */
static unsigned int udp_frame_len(unsigned int payload)
{
	return 26 + 8 + 20 + 8 + payload;
}

struct exchange {
	double delivered;	/* the receiver got the frame */
	double acked;		/* ... and the sender knows it */
	double attempts;
	double air_us;		/* per frame sent */
};

/* Expected figures of one unicast frame of LEN bytes at rate IDX, SNR dB
 * and interference LOSS, with up to retry_limit attempts at that rate.
 */
static struct exchange exchange_unicast(int idx, double snr, double loss,
					unsigned int len)
{
	struct exchange x = { 0 };
	double p, q, reach = 1.0, miss = 1.0;
	uint64_t at = airtime_us(len, idx, 0, 2412);
	uint64_t ack = ack_airtime(idx, 0, 2412);
	unsigned int i;

	p = attempt_loss(snr, loss, len, idx, 0, 2412, &q);
	for (i = 0; i < retry_limit; i++) {
		/* REACH: no ACK so far, so attempt i happens. */
		x.attempts += reach;
		x.air_us += reach * (DIFS_US + backoff_us(i) + at +
				     (1.0 - p) * (SIFS_US + ack) +
				     p * ACK_TIMEOUT_US);
		miss *= p;
		reach *= 1.0 - (1.0 - p) * (1.0 - q);
	}
	x.delivered = 1.0 - miss;
	x.acked = 1.0 - reach;
	return x;
}

/* The same by simulation, with the loss generator, over TRIALS frames. */
static struct exchange exchange_simulated(int idx, double snr, double loss,
					  unsigned int len, uint64_t trials)
{
	uint64_t at = airtime_us(len, idx, 0, 2412), t, air = 0, n = 0;
	uint64_t ack = ack_airtime(idx, 0, 2412), got = 0, acked = 0;
	struct exchange x = { 0 };
	enum attempt_res res;
	double p, q;
	unsigned int i;
	bool rx;

	p = attempt_loss(snr, loss, len, idx, 0, 2412, &q);
	for (t = 0; t < trials; t++) {
		rx = false;
		for (i = 0; i < retry_limit; i++) {
			res = unicast_attempt(true, i, at, ack, 100.0 * p, q,
					      false, &air);
			n++;
			rx |= res != ATTEMPT_LOST;
			if (res == ATTEMPT_DONE) {
				acked++;
				break;
			}
		}
		got += rx;
	}
	x.delivered = (double)got / trials;
	x.acked = (double)acked / trials;
	x.attempts = (double)n / trials;
	x.air_us = (double)air / trials;
	return x;
}

/* The OFDM rate (6..54 Mbit/s) a rate control would settle on: the least
 * airtime per delivered frame.
 */
static int best_rate(double snr, double loss, unsigned int len,
		     struct exchange *best)
{
	struct exchange x;
	int i, r = 4;

	for (i = 4; i < 12; i++) {
		x = exchange_unicast(i, snr, loss, len);
		if (i == 4 || x.air_us / x.delivered < best->air_us / best->delivered) {
			*best = x;
			r = i;
		}
	}
	return r;
}

static uint64_t group_air(int idx, unsigned int len)
{
	return DIFS_US + backoff_us(0) + airtime_us(len, idx, 0, 2412);
}

static void model_crossover(unsigned int len, double loss)
{
	/* Two spreads, then the one bench-wifi-anchors puts its stations on. */
	static const double spreads[3][2] = {
		{ -45, -70 }, { -55, -80 }, { -45, -80 }
	};
	static const char *const basic[3] = { "1", "6", "24" };
	int s, b, i, idx, nsta = 16;
	struct exchange x;

	printf("# frame %u bytes (a %u-byte UDP payload), interference loss %g %% at 1 Mbit/s,\n"
	       "# retry limit %u, noise %g dBm; %d stations, signals spread evenly\n",
	       len, len - udp_frame_len(0), loss, retry_limit, noise_dbm, nsta);
	printf("%-12s %-6s %9s %9s %5s %10s %s\n", "spread_dbm", "basic",
	       "group_us", "ucast_us", "n_star", "group_min", "unicast rates (Mbit/s)");
	for (s = 0; s < 3; s++) {
		for (b = 0; b < 3; b++) {
			double sum = 0.0, gmin = 1.0, sig, snr, g;
			char rates[128] = "";
			uint64_t gair;
			int r;

			idx = mbps_idx(basic[b]);
			gair = group_air(idx, len);
			for (i = 0; i < nsta; i++) {
				sig = spreads[s][0] + (spreads[s][1] - spreads[s][0]) *
					i / (nsta - 1);
				snr = sig - noise_dbm;
				r = best_rate(snr, loss, len, &x);

				sum += x.air_us / x.delivered;
				g = 1.0 - attempt_loss(snr, loss, len, idx, 0,
						       2412, NULL);
				if (g < gmin)
					gmin = g;
				if (i % 5 == 0)
					snprintf(rates + strlen(rates),
						 sizeof(rates) - strlen(rates),
						 "%s%g", i ? "," : "",
						 legacy_kbps[r] / 1000.0);
			}
			printf("%4.0f..%-6.0f %-6s %9" PRIu64 " %9.0f %5d %9.1f%% %s\n",
			       spreads[s][0], spreads[s][1], basic[b], gair,
			       sum / nsta, (int)(gair / (sum / nsta)),
			       100.0 * gmin, rates);
		}
	}
}

/* PPS frames a second of LEN bytes at rate IDX from one sender, for SECS
 * seconds of virtual time, through the medium's own queue and channel.
 */
static void model_saturate(int idx, unsigned int len, uint64_t pps,
			   uint64_t secs)
{
	uint64_t t, n = pps * secs, sent = 0, air = group_air(idx, len);
	struct radio *r = &radios[0];

	memset(r, 0, sizeof(*r));
	air_busy_until = air_busy_us = air_first_us = air_last_us = 0;
	for (t = 0; t < n; t++) {
		uint64_t now = 1 + t * 1000000 / pps;

		if (!air_admit(r, now))
			continue;
		air_take(r, now, air);
		sent++;
	}
	printf("{\"offered\":%" PRIu64 ",\"sent\":%" PRIu64
	       ",\"queue_drops\":%" PRIu64 ",\"frame_us\":%" PRIu64
	       ",\"busy_us\":%" PRIu64 ",\"span_us\":%" PRIu64
	       ",\"busy_pct\":%.2f,\"capacity_pps\":%.1f}\n",
	       n, sent, r->tx.queue_drops, air, air_busy_us,
	       air_last_us - air_first_us,
	       100.0 * air_busy_us / (air_last_us - air_first_us),
	       1e6 / air);
}

/* N attempts through one receiver's Gilbert-Elliott state. */
static void model_burst(uint64_t n)
{
	uint64_t t, lost = 0, bad = 0, runs = 0;
	struct radio *r = &radios[0];
	bool was = false;

	memset(r, 0, sizeof(*r));
	for (t = 0; t < n; t++) {
		bool b = r->burst_bad;

		if (roll_lost(100.0 * burst_step(r)))
			lost++;
		bad += b;
		runs += b && !was;
		was = b;
	}
	printf("{\"attempts\":%" PRIu64 ",\"lost\":%.6f,\"bad\":%.6f,"
	       "\"bad_expected\":%.6f,\"mean_bad_run\":%.3f,"
	       "\"mean_bad_run_expected\":%.3f}\n",
	       n, (double)lost / n, (double)bad / n,
	       burst_gb / (burst_gb + burst_bg),
	       runs ? (double)bad / runs : 0.0, 100.0 / burst_bg);
}

static int cmd_model(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "loss", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "len", required_argument, NULL, 'L' },
		{ "trials", required_argument, NULL, 'T' },
		{ "noise", required_argument, NULL, 'N' },
		{ "retry-limit", required_argument, NULL, 'R' },
		{ "queue", required_argument, NULL, 'Q' },
		{ "burst", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v, trials = 0, len = 1316, pps;
	double snr, sig, loss = 0.0, p, q;
	struct exchange x;
	int opt, idx;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			opt_loss(optarg, &loss);
			break;
		case 's':
			opt_seed(optarg);
			break;
		case 'L':
			if (!parse_u64(optarg, 2304, &len) || !len)
				bad_args("--len: '%s' is not a payload size from 1 to 2304", optarg);
			break;
		case 'T':
			if (!parse_u64(optarg, 100000000, &trials))
				bad_args("--trials: '%s' is not a number up to 10^8", optarg);
			break;
		case 'N':
		case 'R':
		case 'Q':
		case 'B':
			phy_option(opt, optarg);
			break;
		case ':':
			bad_args("option '%s' needs a value", argv[optind - 1]);
		default:
			bad_args("model: unknown option '%s'", argv[optind - 1]);
		}
	}
	rng_seed(seed);
	argc -= optind;
	argv += optind;
	if (argc < 1)
		bad_args("model: expected per, exchange or crossover");

	if (!strcmp(argv[0], "per") && argc == 4) {
		/* per RATE SNR BYTES: the PER of a BYTES-long PSDU */
		unsigned int ref;
		double thr;

		idx = mbps_idx(argv[1]);
		if (idx < 0 || sscanf(argv[2], "%lf", &snr) != 1 ||
		    !parse_u64(argv[3], 65535, &v) || !v)
			bad_args("model per RATE_MBPS SNR_DB BYTES");
		thr = rate_thr_snr(idx, 0, 2412, &ref);
		p = per_at(snr, thr, v, ref);
		printf("%.6f\n", p);
		return 0;
	}
	if (!strcmp(argv[0], "exchange") && argc == 3) {
		/* exchange RATE SIGNAL_DBM: one unicast frame, expected (and
		 * simulated with --trials)
		 */
		idx = mbps_idx(argv[1]);
		if (idx < 0 || !parse_dbm(argv[2], &sig))
			bad_args("model exchange RATE_MBPS SIGNAL_DBM");
		snr = sig - noise_dbm;
		len = udp_frame_len(len);
		p = attempt_loss(snr, loss, len, idx, 0, 2412, &q);
		x = trials ? exchange_simulated(idx, snr, loss, len, trials) :
			     exchange_unicast(idx, snr, loss, len);
		printf("{\"frame_bytes\":%" PRIu64 ",\"attempt_loss\":%.6f,"
		       "\"ack_loss\":%.6f,\"first_attempt_us\":%" PRIu64 ","
		       "\"group_us\":%" PRIu64 ",\"delivered\":%.6f,"
		       "\"acked\":%.6f,\"attempts\":%.4f,\"air_us\":%.1f,"
		       "\"air_per_delivered_us\":%.1f,\"trials\":%" PRIu64 "}\n",
		       len, p, q,
		       (uint64_t)(DIFS_US + backoff_us(0) +
				  airtime_us(len, idx, 0, 2412) + SIFS_US +
				  ack_airtime(idx, 0, 2412)),
		       group_air(idx, len), x.delivered, x.acked, x.attempts,
		       x.air_us, x.air_us / x.delivered, trials);
		return 0;
	}
	if (!strcmp(argv[0], "crossover") && argc == 1) {
		model_crossover(udp_frame_len(len), loss);
		return 0;
	}
	if (!strcmp(argv[0], "saturate") && argc == 4) {
		/* saturate RATE PPS SECS: group frames of --len into the air */
		idx = mbps_idx(argv[1]);
		if (idx < 0 || !parse_u64(argv[2], 1000000, &pps) || !pps ||
		    !parse_u64(argv[3], 3600, &v) || !v)
			bad_args("model saturate RATE_MBPS FRAMES_PER_S SECONDS");
		model_saturate(idx, udp_frame_len(len), pps, v);
		return 0;
	}
	if (!strcmp(argv[0], "burst") && argc == 2) {
		/* burst ATTEMPTS: the --burst state over that many attempts */
		if (!burst_on || !parse_u64(argv[1], 100000000, &v) || !v)
			bad_args("model --burst GB,BG[,LOSS] burst ATTEMPTS");
		model_burst(v);
		return 0;
	}
	bad_args("model: expected per, exchange, crossover, saturate or burst");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		bad_args("expected a command: radio or run");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "radio"))
		return cmd_radio(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "model"))
		return cmd_model(argc - 1, argv + 1);
	bad_args("unknown command '%s' (radio, run or model)", argv[1]);
}

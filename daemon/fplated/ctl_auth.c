// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl_auth.c - who may connect and what they may do (docs/control.md,
 * "Security").
 *
 * Roles: a request on the control endpoint ([control] endpoint) has the
 * control role; one on the read endpoint ([control] read_endpoint) only
 * the read role (describe, status). On ipc:// the socket file's
 * permissions decide who connects (the units put it in /run/fplate, group
 * fplate); on loopback TCP every local account can connect.
 *
 * An endpoint reachable from the network (tcp:// not loopback) must use
 * ZeroMQ CURVE: fplated refuses to start otherwise. The server's secret
 * key is [control] curve_secret_file (mode 0600, made by `fplate keygen`),
 * the clients' public keys are listed with a role each in [control]
 * curve_clients; a ZAP handler (ZeroMQ's authentication protocol, served
 * by the main loop) accepts only those keys and passes the role on as the
 * message's User-Id, so a "read" key gets the read role on any endpoint.
 * Once configured, CURVE guards every tcp:// endpoint, loopback included,
 * and the PUB endpoint too (both roles may subscribe). The ZAP socket is bound before any CURVE socket: libzmq
 * would let every key in while no handler exists.
 *
 * The optional shared secret ([control] secret_file, sent as "token") is
 * kept for loopback TCP, where it keeps other local accounts out; it
 * travels in clear text and is not enough off loopback.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "fplated.h"

#define SECRET_MIN 16
#define MAX_CLIENTS 256

/* One process runs one daemon: the CURVE state is the process's. */
static struct {
	int on;                         /* curve_secret_file given */
	char secret_z85[41];
	struct {
		uint8_t key[32];
		int role;               /* enum fpd_role */
	} client[MAX_CLIENTS];
	int n_clients;
	void *zap;                      /* ZAP handler, REP on inproc://zeromq.zap.01 */
} curve;

/* tcp://127.x.x.x:P, tcp://localhost:P, tcp://[::1]:P and ipc:// are local. */
int fpd_endpoint_is_local(const char *ep)
{
	if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
		return 1;
	if (strncmp(ep, "tcp://", 6))
		return 0;
	ep += 6;
	return !strncmp(ep, "127.", 4) || !strncmp(ep, "localhost:", 10) ||
	       !strncmp(ep, "[::1]:", 6);
}

static int load_secret(const char *path, char *out, size_t out_len, char *msg, size_t msg_len)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(msg, msg_len, "control secret_file '%s': %s", path, strerror(errno));
		return -EINVAL;   /* a configuration error: fplated exits 2 */
	}
	if (fstat(fd, &st) || (st.st_mode & 077)) {
		close(fd);
		snprintf(msg, msg_len, "control secret_file '%s': readable by group or others "
			 "(chmod 600 it)", path);
		return -EINVAL;
	}
	n = read(fd, out, out_len - 1);
	close(fd);
	if (n < 0) {
		snprintf(msg, msg_len, "control secret_file '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (strlen(out) < SECRET_MIN) {
		snprintf(msg, msg_len, "control secret_file '%s': the secret must be at least %d "
			 "characters on its first line", path, SECRET_MIN);
		return -EINVAL;
	}
	return 0;
}

int fpd_ctl_auth_init(struct fpd *d, char *msg, size_t msg_len)
{
	struct fpd_ctl *c = &d->ctl;
	int ret;

	c->secret[0] = '\0';
	if (d->cfg.ctl_secret_file[0]) {
		ret = load_secret(d->cfg.ctl_secret_file, c->secret, sizeof(c->secret), msg,
				  msg_len);
		if (ret)
			return ret;
	}
	return 0;
}

/* A Z85 key file: mode 0600, first line the 40-character key. */
static int load_key(const char *what, const char *path, char out[41], char *msg, size_t msg_len)
{
	char line[128];
	int ret = load_secret(path, line, sizeof(line), msg, msg_len);
	uint8_t bin[32];

	if (ret == -EINVAL && !strstr(msg, "at least")) {
		/* load_secret names secret_file: say which key it was */
		char why[FP_MSG_MAX];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, msg_len, "%s: %s", what, why);
		return ret;
	}
	if (strlen(line) != 40 || !zmq_z85_decode(bin, line)) {
		snprintf(msg, msg_len, "%s '%s': the first line must be a 40-character Z85 key "
			 "(fplate keygen writes one)", what, path);
		return -EINVAL;
	}
	memcpy(out, line, 41);
	return 0;
}

/* [control] curve_clients: "ROLE KEY [comment]" per line, ROLE control or read. */
static int load_clients(const char *path, char *msg, size_t msg_len)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int n = 0;

	if (!f) {
		snprintf(msg, msg_len, "control curve_clients '%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	curve.n_clients = 0;
	while (fgets(line, sizeof(line), f)) {
		char role[16], key[64];
		int fields;

		n++;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		fields = sscanf(line, "%15s %63s", role, key);
		if (fields != 2 || (strcmp(role, "control") && strcmp(role, "read")) ||
		    strlen(key) != 40 || curve.n_clients >= MAX_CLIENTS ||
		    !zmq_z85_decode(curve.client[curve.n_clients].key, key)) {
			fclose(f);
			snprintf(msg, msg_len, "control curve_clients %s:%d: expected 'control KEY' or "
				 "'read KEY' with a 40-character Z85 public key (at most %d keys)",
				 path, n, MAX_CLIENTS);
			return -EINVAL;
		}
		curve.client[curve.n_clients++].role = strcmp(role, "control") ?
						       FPD_ROLE_READ : FPD_ROLE_CONTROL;
	}
	fclose(f);
	return 0;
}

int fpd_curve_init(struct fpd *d, void *ctx, char *msg, size_t msg_len)
{
	const struct fpd_config *cfg = &d->cfg;
	int ret;

	memset(&curve, 0, sizeof(curve));
	if (!cfg->curve_secret_file[0]) {
		if (cfg->curve_clients[0]) {
			snprintf(msg, msg_len, "control curve_clients needs curve_secret_file too");
			return -EINVAL;
		}
		for (int i = 0; i < 3; i++) {
			const char *ep = i == 0 ? cfg->ctl_endpoint : i == 1 ? cfg->ctl_read_endpoint :
					 cfg->endpoint;

			if (ep[0] && !fpd_endpoint_is_local(ep)) {
				snprintf(msg, msg_len, "endpoint '%s' is reachable from the network: "
					 "set [control] curve_secret_file and curve_clients "
					 "(CURVE, docs/control.md) or bind it to 127.0.0.1 or ipc://",
					 ep);
				return -EINVAL;
			}
		}
		return 0;
	}
	if (!cfg->curve_clients[0]) {
		snprintf(msg, msg_len, "control curve_secret_file needs curve_clients (the allowed "
			 "client keys) too");
		return -EINVAL;
	}
	ret = load_key("control curve_secret_file", cfg->curve_secret_file, curve.secret_z85, msg,
		       msg_len);
	if (!ret)
		ret = load_clients(cfg->curve_clients, msg, msg_len);
	if (ret)
		return ret;
	/* the handler exists before any CURVE socket is bound */
	curve.zap = zmq_socket(ctx, ZMQ_REP);
	if (!curve.zap || zmq_bind(curve.zap, "inproc://zeromq.zap.01")) {
		snprintf(msg, msg_len, "ZAP handler: %s", zmq_strerror(zmq_errno()));
		return -ENOMEM;
	}
	curve.on = 1;
	return 0;
}

int fpd_curve_apply(void *sock, const char *ep, char *msg, size_t msg_len)
{
	int one = 1;

	/* configured: every TCP endpoint, loopback too (it keeps other local
	 * accounts out); ipc:// is guarded by the socket file's permissions */
	if (!curve.on || strncmp(ep, "tcp://", 6))
		return 0;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof(one)) ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve.secret_z85, 40) ||
	    zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "fplate", 6)) {
		snprintf(msg, msg_len, "endpoint '%s': cannot enable CURVE: %s", ep,
			 zmq_strerror(zmq_errno()));
		return -EINVAL;
	}
	return 0;
}

void *fpd_curve_zap_socket(void)
{
	return curve.zap;
}

void fpd_curve_close(void)
{
	if (curve.zap)
		zmq_close(curve.zap);
	curve.zap = NULL;
	curve.on = 0;
}

/*
 * One ZAP request (RFC 27): version, request id, domain, address, routing
 * id, mechanism, then the client's 32-byte key for CURVE. The reply's
 * User-Id is the key's role, which control.c reads from each request.
 */
void fpd_curve_zap_handle(struct fpd *d)
{
	zmq_msg_t part[8];
	int n = 0, more = 1, role = -1;
	size_t len = sizeof(more);
	const char *status = "400", *text = "unknown key";

	while (n < 8 && more) {
		zmq_msg_init(&part[n]);
		if (zmq_msg_recv(&part[n], curve.zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part[n]);
			if (!n)
				return;
			break;
		}
		n++;
		zmq_getsockopt(curve.zap, ZMQ_RCVMORE, &more, &len);
	}
	while (more) {   /* more parts than ZAP has: read and drop */
		zmq_msg_t x;

		zmq_msg_init(&x);
		if (zmq_msg_recv(&x, curve.zap, ZMQ_DONTWAIT) < 0)
			more = 0;
		else
			zmq_getsockopt(curve.zap, ZMQ_RCVMORE, &more, &len);
		zmq_msg_close(&x);
	}
	if (n == 7 && zmq_msg_size(&part[5]) == 5 && !memcmp(zmq_msg_data(&part[5]), "CURVE", 5) &&
	    zmq_msg_size(&part[6]) == 32) {
		for (int i = 0; i < curve.n_clients; i++)
			if (!memcmp(curve.client[i].key, zmq_msg_data(&part[6]), 32)) {
				role = curve.client[i].role;
				status = "200";
				text = "OK";
				break;
			}
	}
	if (role < 0) {
		char addr[64] = "?";

		if (n > 3)
			snprintf(addr, sizeof(addr), "%.*s", (int)zmq_msg_size(&part[3]),
				 (const char *)zmq_msg_data(&part[3]));
		fpd_ctl_refusal(d, "CURVE key not in curve_clients", addr);
	}
	/* 1.0, request id, status, text, user id, metadata */
	zmq_send(curve.zap, "1.0", 3, ZMQ_SNDMORE);
	if (n > 1)
		zmq_send(curve.zap, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]), ZMQ_SNDMORE);
	else
		zmq_send(curve.zap, "", 0, ZMQ_SNDMORE);
	zmq_send(curve.zap, status, 3, ZMQ_SNDMORE);
	zmq_send(curve.zap, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(curve.zap, role == FPD_ROLE_CONTROL ? "control" : role == FPD_ROLE_READ ? "read" :
		 "", role == FPD_ROLE_CONTROL ? 7 : role == FPD_ROLE_READ ? 4 : 0, ZMQ_SNDMORE);
	zmq_send(curve.zap, "", 0, 0);
	for (int i = 0; i < n; i++)
		zmq_msg_close(&part[i]);
}

int fpd_curve_role(zmq_msg_t *m, int endpoint_role)
{
	const char *uid;

	if (!curve.on)
		return endpoint_role;
	uid = zmq_msg_gets(m, "User-Id");
	if (!uid || !uid[0])    /* not a CURVE connection: the endpoint's role */
		return endpoint_role;
	return !strcmp(uid, "control") ? endpoint_role : FPD_ROLE_READ;
}

int fpd_ctl_auth_ok(const struct fpd *d, const char *token)
{
	const char *secret = d->ctl.secret;
	size_t ls = strlen(secret), lt = strlen(token);
	unsigned char diff = (unsigned char)(ls != lt);

	if (!ls)
		return 1;
	/* compare every byte whatever the first difference: no timing hint */
	for (size_t i = 0; i < ls; i++)
		diff |= (unsigned char)(secret[i] ^ (i < lt ? token[i] : 0));
	return diff == 0;
}

#!/usr/bin/env bash
# Loopback mail stack for connect311's tests and CI: Postfix (127.0.0.1:25 and :2525; :2526 plays the city's
# authenticating MX, see write_trusted_listener) hands every message for the virtual domains city.test and
# example.test over LMTP to Dovecot. Any local part exists, every user's password is "test", and Sieve runs at delivery so a test can install a vacation responder.
#
# IMAP: 127.0.0.1:143 (plaintext, STARTTLS offered; plaintext login stays allowed for the older tests) and
# 127.0.0.1:993 (implicit TLS). The server certificate (names: localhost, 127.0.0.1) is issued by a private test
# CA generated once on this machine; clients trust it through the CA certificate published at
#     /etc/dovecot/connect311-test-ca.pem      (mail::testkit::TEST_CA)
# e.g. `openssl s_client -connect 127.0.0.1:993 -CAfile /etc/dovecot/connect311-test-ca.pem -verify_return_error`.
# The keys stay in /etc/dovecot/private (root only). The CA and certificate are kept across runs and re-issued only
# when missing, unreadable or within 30 days of expiry. Delete /etc/dovecot/private/connect311-* and the CA file
# to start over.
#
# No-IDLE IMAP: 127.0.0.2:143 (plaintext login; the 127.0.0.0/8 loopback route covers it on Linux, no interface
# setup needed) serves the same mailboxes, but a `local 127.0.0.2` block overrides imap_capability with Dovecot
# 2.3's normal post-login list minus IDLE, so a client there must fall back to polling (mail::testkit::NO_IDLE_HOST;
# mail/tests/servers.rs). Only the advertisement changes: Dovecot still accepts an IDLE command there, so to prove
# a client never sent one, sessions on this listener are raw-logged (post-login traffic, both directions) into
# <mail home>/rawlog/ when that directory exists (mail::testkit::enable_rawlog). Use it without TLS (the
# certificate does not name 127.0.0.2).
#
# Submission (authentication required, SASL through Dovecot's auth service on 127.0.0.1:12346):
# 127.0.0.1:587 (STARTTLS required before AUTH or mail) and 127.0.0.1:465 (implicit TLS), same certificate.
# Unauthenticated clients are refused at RCPT. Mechanisms: PLAIN / LOGIN (password "test", as on IMAP) and XOAUTH2 /
# OAUTHBEARER (IMAP too), whose bearer token is a JWT that Dovecot's oauth2 passdb checks locally (signature, exp,
# sub = the login): HS256 with the test key published at /etc/dovecot/connect311-test-oauth2.key (base64, world-
# readable: a test secret). A test's identity-provider stand-in (mail::testkit::idp) mints tokens with that key, so
# every test can start its own on port 0 while Dovecot's configuration stays fixed.
#
# Idempotent: installs what is missing, rewrites the configs, starts or reloads the daemons, waits for the ports.
# Needs root on Debian 12. Nothing listens beyond loopback and nothing is relayed off the machine.
set -euo pipefail

DOMAINS=(city.test example.test)
VMAIL=/var/vmail
POSTFIX_LOG=/var/log/postfix.log
DOVECOT_LOG=/var/log/dovecot.log
TLS_DIR=/etc/dovecot/private
TEST_CA=/etc/dovecot/connect311-test-ca.pem
CA_KEY=$TLS_DIR/connect311-test-ca.key
SERVER_CERT=$TLS_DIR/connect311-imap.pem
SERVER_KEY=$TLS_DIR/connect311-imap.key
NO_IDLE_ADDR=127.0.0.2
SASL_PORT=12346
OAUTH2_KEY=/etc/dovecot/connect311-test-oauth2.key
OAUTH2_KEY_DIR=/etc/dovecot/connect311-oauth2-keys
# The dict key Dovecot 2.3 looks up is shared/<azp>/<alg>/<kid>; the stand-in's tokens carry kid "connect311-test"
# and no azp ("default").
OAUTH2_KID=connect311-test
# Dovecot 2.3's default post-login CAPABILITY (Debian 12, 2.3.19) without IDLE. imap_capability can only replace
# or append ("+..."), not remove, so the list is spelled out. With it set, imap-login also shows this list before
# login (plus STARTTLS and AUTH=), which is harmless. mail/tests/servers.rs checks that the post-login list differs
# from the normal listener's by IDLE alone, so a Dovecot upgrade that changes the defaults shows up there.
NO_IDLE_CAPABILITY="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS \
THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 \
CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY \
PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY"

die() { echo "mailserver.sh: $*" >&2; exit 1; }
TMP_DIRS=()
cleanup() { [[ ${#TMP_DIRS[@]} -eq 0 ]] || rm -rf "${TMP_DIRS[@]}"; }
trap cleanup EXIT

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and writes /etc/postfix, /etc/dovecot)"

install_packages() {
    local pkgs=(postfix dovecot-imapd dovecot-lmtpd dovecot-sieve openssl) missing=() p
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    echo "mailserver.sh: installing ${missing[*]}" >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

write_postfix() {
    [[ -f /etc/postfix/master.cf ]] || cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
    cat >/etc/postfix/main.cf <<EOF
# Written by connect311 scripts/mailserver.sh - loopback test MTA; rerun the script rather than editing.
compatibility_level = 3.6
myhostname = mail.city.test
mydomain = city.test
myorigin = city.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP connect311-test
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
maillog_file = $POSTFIX_LOG
# Every local part at these domains exists (empty virtual_mailbox_maps = no recipient check): tests invent
# fresh mailboxes per run. Dovecot strips the +detail the same way.
virtual_mailbox_domains = ${DOMAINS[*]}
virtual_mailbox_maps =
virtual_transport = lmtp:inet:127.0.0.1:24
recipient_delimiter = +
# Nothing leaves the machine: loopback clients are not trusted to relay, and what the sendmail path queues for
# other domains (e.g. a vacation reply to an outside sender) bounces at once instead of waiting on DNS.
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination
default_transport = error:connect311 test MTA does not deliver outside its virtual domains
relay_transport = error:connect311 test MTA does not relay
smtpd_tls_security_level = none
smtp_tls_security_level = none
lmtp_tls_security_level = none
# Room for oversize-attachment tests.
message_size_limit = 52428800
mailbox_size_limit = 0
EOF
    # Postfix's own logger (maillog_file) needs the postlog service; older master.cf copies lack it.
    postconf -M 'postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd'
    postconf -M '127.0.0.1:2525/inet=127.0.0.1:2525 inet n - n - - smtpd'
    write_trusted_listener
    write_submission
    postconf -F '*/*/chroot = n'
    touch "$POSTFIX_LOG"
}

# 127.0.0.1:2526 plays the city's authenticating MX (what OpenDKIM/OpenDMARC milters do on a real one): its
# cleanup strips any incoming Authentication-Results that claims our authserv-id mx.city.test (RFC 8601 §5) and
# prepends its own verdict above the Received line Postfix adds, where a milter's header lands. The verdict is a
# fixed DKIM pass for city.test (and so for its subdomains): the tests send only city staff mail through it.
# Port 25 does neither, like an MX without those settings, so forged headers arrive as the sender wrote them.
# With Dovecot's LMTP Received line on top, the city's servers add two Received lines (trusted_received_hops = 2).
write_trusted_listener() {
    cat >/etc/postfix/connect311_trusted_header_checks <<'EOF'
/^Authentication-Results:[[:space:]]*mx\.city\.test([[:space:];]|$)/ IGNORE
/^Received:[^;]*by mail\.city\.test \(Postfix\)/ PREPEND Authentication-Results: mx.city.test; dkim=pass header.d=city.test header.s=test
EOF
    postconf -M '127.0.0.1:2526/inet=127.0.0.1:2526 inet n - n - - smtpd -o cleanup_service_name=cleanup_trusted'
    postconf -M 'cleanup_trusted/unix=cleanup_trusted unix n - n - 0 cleanup -o header_checks=regexp:/etc/postfix/connect311_trusted_header_checks'
}

# Authenticated submission on 587 (STARTTLS) and 465 (implicit TLS): SASL through Dovecot, TLS before AUTH, and
# nothing accepted from a client that has not logged in. Only these two services enable SASL or TLS; 25, 2525 and
# 2526 stay plaintext and unauthenticated.
write_submission() {
    local common="-o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=inet:127.0.0.1:$SASL_PORT"
    common+=" -o smtpd_tls_cert_file=$SERVER_CERT -o smtpd_tls_key_file=$SERVER_KEY -o smtpd_tls_auth_only=yes"
    common+=" -o smtpd_client_restrictions=permit_sasl_authenticated,reject"
    common+=" -o smtpd_relay_restrictions=permit_sasl_authenticated,reject"
    common+=" -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject"
    postconf -M "127.0.0.1:587/inet=127.0.0.1:587 inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt $common"
    postconf -M "127.0.0.1:465/inet=127.0.0.1:465 inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes $common"
}

# The HS256 key Dovecot checks bearer tokens with (32 random bytes, base64), generated once and kept.
write_oauth2_key() {
    if ! [[ -s $OAUTH2_KEY ]]; then
        echo "mailserver.sh: generating the test OAuth2 signing key $OAUTH2_KEY" >&2
        openssl rand -base64 32 | tr -d '[:space:]' >"$OAUTH2_KEY.tmp"
        chmod 0644 "$OAUTH2_KEY.tmp"
        mv "$OAUTH2_KEY.tmp" "$OAUTH2_KEY"
    fi
    install -d -m 0755 "$OAUTH2_KEY_DIR/default/HS256"
    install -m 0644 "$OAUTH2_KEY" "$OAUTH2_KEY_DIR/default/HS256/$OAUTH2_KID"
    cat >/etc/dovecot/connect311-oauth2.conf.ext <<EOF
# Written by connect311 scripts/mailserver.sh: bearer tokens are JWTs checked locally (no HTTP introspection).
introspection_mode = local
local_validation_key_dict = fs:posix:prefix=$OAUTH2_KEY_DIR/
username_attribute = sub
EOF
}

# True when the certificate in $1 is readable and valid for at least 30 more days.
cert_fresh() { [[ -s $1 ]] && openssl x509 -in "$1" -noout -checkend $((30 * 86400)) >/dev/null 2>&1; }

# A private CA (10 years) and a server certificate for localhost / 127.0.0.1 signed by it (2 years), P-256 keys.
# The CA is kept while valid so clients' copies of it stay good; the server certificate is re-issued when it is
# stale or no longer matches the CA or its key.
write_certificates() {
    install -d -m 0700 "$TLS_DIR"
    local tmp
    tmp=$(mktemp -d)
    TMP_DIRS+=("$tmp")
    if ! cert_fresh "$TEST_CA" || ! [[ -s $CA_KEY ]]; then
        echo "mailserver.sh: generating test CA $TEST_CA" >&2
        openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
            -subj "/O=connect311 tests/CN=connect311 test CA" \
            -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -addext "subjectKeyIdentifier=hash" \
            -keyout "$tmp/ca.key" -out "$tmp/ca.pem" >/dev/null 2>&1 || die "openssl: creating the test CA failed"
        install -m 0600 "$tmp/ca.key" "$CA_KEY"
        install -m 0644 "$tmp/ca.pem" "$TEST_CA"
        rm -f "$SERVER_CERT"
    fi
    if cert_fresh "$SERVER_CERT" && [[ -s $SERVER_KEY ]] \
        && openssl verify -CAfile "$TEST_CA" "$SERVER_CERT" >/dev/null 2>&1 \
        && [[ $(openssl x509 -in "$SERVER_CERT" -noout -pubkey 2>/dev/null) == \
              "$(openssl pkey -in "$SERVER_KEY" -pubout 2>/dev/null)" ]]; then
        return 0
    fi
    echo "mailserver.sh: issuing the IMAP server certificate (localhost, 127.0.0.1)" >&2
    cat >"$tmp/server.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
        -subj "/O=connect311 tests/CN=localhost" -keyout "$tmp/server.key" -out "$tmp/server.csr" >/dev/null 2>&1 \
        || die "openssl: creating the server key failed"
    openssl x509 -req -in "$tmp/server.csr" -CA "$TEST_CA" -CAkey "$CA_KEY" -set_serial "0x$(openssl rand -hex 16)" \
        -days 730 -sha256 -extfile "$tmp/server.ext" -out "$tmp/server.pem" >/dev/null 2>&1 \
        || die "openssl: signing the server certificate failed"
    install -m 0600 "$tmp/server.key" "$SERVER_KEY"
    install -m 0644 "$tmp/server.pem" "$SERVER_CERT"
}

write_dovecot() {
    install -d -o mail -g mail -m 0770 "$VMAIL"
    cat >/etc/dovecot/dovecot.conf <<EOF
# Written by connect311 scripts/mailserver.sh - loopback test IMAP/LMTP; rerun the script rather than editing.
protocols = imap lmtp
listen = 127.0.0.1
# TLS on 993 (implicit) and STARTTLS on 143; plaintext login on 143 stays allowed for the tests that use it.
ssl = yes
ssl_cert = <$SERVER_CERT
ssl_key = <$SERVER_KEY
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
log_path = $DOVECOT_LOG
first_valid_uid = 8
mail_max_userip_connections = 100
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no

# Any user@domain logs in with password "test" and always exists (LMTP too): tests invent mailboxes freely.
passdb {
  driver = static
  args = password=test
  mechanisms = plain login
}
# XOAUTH2 / OAUTHBEARER: the token must be a JWT signed with the test key, unexpired, whose sub is the login.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = /etc/dovecot/connect311-oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$VMAIL/%d/%n allow_all_users=yes
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 143
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = 993
    ssl = yes
  }
  # Same mailboxes, but IDLE is not advertised (the local block below): for the worker's polling fallback.
  inet_listener imap_noidle {
    address = $NO_IDLE_ADDR
    port = 143
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 24
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
  # Postfix submission (587, 465) authenticates through this.
  inet_listener sasl {
    address = 127.0.0.1
    port = $SASL_PORT
  }
}

protocol imap {
  imap_idle_notify_interval = 1 mins
}
local $NO_IDLE_ADDR {
  protocol imap {
    imap_capability = $NO_IDLE_CAPABILITY
    # Post-login traffic of sessions here is recorded in ~/rawlog when that directory exists (a test creates it),
    # so a test can see which commands a client really sent. Nothing is recorded for users without it.
    rawlog_dir = %h/rawlog
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
  postmaster_address = postmaster@city.test
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
}
EOF
    touch "$DOVECOT_LOG"
}

start_or_reload() {
    postfix check >/dev/null 2>&1 || die "postfix check failed: $(postfix check 2>&1 | head -3)"
    if postfix status >/dev/null 2>&1; then
        postfix reload </dev/null >/dev/null 2>&1 || die "postfix reload failed; see $POSTFIX_LOG"
    else
        postfix start </dev/null >/dev/null 2>&1 || die "postfix start failed; see $POSTFIX_LOG"
    fi
    doveconf -n >/dev/null 2>&1 || die "dovecot config invalid: $(doveconf -n 2>&1 | head -3)"
    if doveadm reload </dev/null >/dev/null 2>&1; then
        :
    else
        dovecot </dev/null >/dev/null 2>&1 || die "dovecot failed to start; see $DOVECOT_LOG"
    fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_ports() {
    local addr tries
    for addr in 127.0.0.1:25 127.0.0.1:2525 127.0.0.1:2526 127.0.0.1:587 127.0.0.1:465 "127.0.0.1:$SASL_PORT" 127.0.0.1:143 127.0.0.1:993 127.0.0.1:24 "$NO_IDLE_ADDR:143"; do
        for tries in $(seq 1 50); do
            port_open "${addr%:*}" "${addr##*:}" && continue 2
            sleep 0.2
        done
        die "nothing accepts on $addr after 10 s; see $POSTFIX_LOG and $DOVECOT_LOG"
    done
}

install_packages
write_certificates
write_oauth2_key
write_postfix
write_dovecot
start_or_reload
wait_for_ports
echo "mailserver: postfix 127.0.0.1:25,2525 (and 2526, stamping Authentication-Results as the city MX; submission 587 STARTTLS and 465 TLS, SASL required: password or XOAUTH2/OAUTHBEARER signed with $OAUTH2_KEY) -> lmtp 127.0.0.1:24 -> dovecot imap 127.0.0.1:143 (STARTTLS), imaps 127.0.0.1:993, no-IDLE imap $NO_IDLE_ADDR:143, test CA $TEST_CA (${DOMAINS[*]}, any user, password 'test')"

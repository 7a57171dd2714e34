#!/usr/bin/env bash
# Loopback mail stack for connect311's tests and CI: Postfix (127.0.0.1:25 and :2525) hands every message for the
# virtual domains city.test and example.test over LMTP to Dovecot (IMAP on 127.0.0.1:143). Any local part exists,
# every user's password is "test", and Sieve runs at delivery so a test can install a vacation responder.
# Idempotent: installs what is missing, rewrites the configs, starts or reloads the daemons, waits for the ports.
# Needs root on Debian 12. Nothing listens beyond loopback and nothing is relayed off the machine.
set -euo pipefail

DOMAINS=(city.test example.test)
VMAIL=/var/vmail
POSTFIX_LOG=/var/log/postfix.log
DOVECOT_LOG=/var/log/dovecot.log

die() { echo "mailserver.sh: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and writes /etc/postfix, /etc/dovecot)"

install_packages() {
    local pkgs=(postfix dovecot-imapd dovecot-lmtpd dovecot-sieve) missing=() p
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
    postconf -F '*/*/chroot = n'
    touch "$POSTFIX_LOG"
}

write_dovecot() {
    install -d -o mail -g mail -m 0770 "$VMAIL"
    cat >/etc/dovecot/dovecot.conf <<EOF
# Written by connect311 scripts/mailserver.sh - loopback test IMAP/LMTP; rerun the script rather than editing.
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $DOVECOT_LOG
first_valid_uid = 8
mail_max_userip_connections = 100
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no

# Any user@domain logs in with password "test" and always exists (LMTP too): tests invent mailboxes freely.
passdb {
  driver = static
  args = password=test
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
    port = 0
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
}

protocol imap {
  imap_idle_notify_interval = 1 mins
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

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_ports() {
    local port tries
    for port in 25 2525 143 24; do
        for tries in $(seq 1 50); do
            port_open "$port" && continue 2
            sleep 0.2
        done
        die "nothing accepts on 127.0.0.1:$port after 10 s; see $POSTFIX_LOG and $DOVECOT_LOG"
    done
}

install_packages
write_postfix
write_dovecot
start_or_reload
wait_for_ports
echo "mailserver: postfix 127.0.0.1:25,2525 -> lmtp 127.0.0.1:24 -> dovecot imap 127.0.0.1:143 (${DOMAINS[*]}, any user, password 'test')"

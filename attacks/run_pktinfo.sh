#!/bin/sh
# Runs in a private network + mount namespace (root):
#   unshare -n -m attacks/run_pktinfo.sh control|sandbox [setpriv args...]
# The system resolver is fd00::53 (resolv.conf bind-mounted). Two networks
# reach it: dummy0 (the route, metric 100) and dummy1 (metric 200, "the other
# network"). A sniffer on each interface says which one the datagrams took.
mode=$1; shift
cd "$(dirname "$0")"
ip link set lo up
ip link add dummy0 type ifb; ip link add dummy1 type ifb  # no dummy driver here; ifb is NOARP too
ip link set dummy0 up; ip link set dummy1 up
ip -6 route add fd00::53/128 dev dummy0 metric 100
ip -6 route add fd00::53/128 dev dummy1 metric 200
echo "nameserver fd00::53" > /tmp/rv2_resolv.conf; mount --bind /tmp/rv2_resolv.conf /etc/resolv.conf
(./sniff6all dummy0 2 | sed 's/^/dummy0 /' | grep -v 'next header 58') &
(./sniff6all dummy1 2 | sed 's/^/dummy1 /' | grep -v 'next header 58') & sleep 0.3
if [ "$mode" = control ]; then "$@" ./pktinfo fd00::53 dummy1
else D=/tmp/rv2-pktinfo-$$; mkdir -p $D; chmod 777 $D
  "$@" ../build/praxis run --allow network.http=127.0.0.1:8080 --audit $D/a.jsonl -- ./pktinfo fd00::53 dummy1
  grep -h -E '"(sendto|setsockopt)' $D/a.jsonl | sed 's/.*"target"/  audit: "target"/'; rm -rf $D; fi
wait

#!/usr/bin/env bash
# Makes sure the PostgreSQL and RabbitMQ that the tests talk to are running on
# this machine, starting them if they are down, and waits until they answer.
set -euo pipefail

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$what did not answer within 120 s" >&2
  return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
wait_for PostgreSQL psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1'

if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached || true
fi
wait_for RabbitMQ rabbitmq-diagnostics -q check_port_connectivity
wait_for "RabbitMQ (guest)" rabbitmqctl -q authenticate_user guest guest

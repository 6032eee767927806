// The firewall rules a network and a container need (see firewall.ts for the chains).
import type { Rule } from './firewall.ts';

export interface NetworkRuleInput {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export function networkRules(n: NetworkRuleInput): Rule[] {
  const b = n.bridge;
  const rules: Rule[] = [{ table: 'filter', chain: 'BERTH-ISOLATION-2', spec: `-o ${b} -j DROP` }];
  if (n.internal) {
    rules.push(
      { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: `-i ${b} ! -o ${b} -j DROP` },
      { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: `-o ${b} ! -i ${b} -j DROP` },
      { table: 'filter', chain: 'BERTH-FORWARD', spec: `-i ${b} -o ${b} -j ACCEPT` },
    );
    return rules;
  }
  rules.push(
    { table: 'filter', chain: 'BERTH-ISOLATION-1', spec: `-i ${b} ! -o ${b} -j BERTH-ISOLATION-2` },
    {
      table: 'filter',
      chain: 'BERTH-FORWARD',
      spec: `-o ${b} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    },
    { table: 'filter', chain: 'BERTH-FORWARD', spec: `-o ${b} -m conntrack --ctstate DNAT -j ACCEPT` },
    { table: 'filter', chain: 'BERTH-FORWARD', spec: `-i ${b} -j ACCEPT` },
    { table: 'nat', chain: 'BERTH-POSTROUTING', spec: `-s ${n.subnet} ! -o ${b} -j MASQUERADE` },
    // a port published on 127.0.0.1: the reply must come back to the host, not to its loopback
    { table: 'nat', chain: 'BERTH-POSTROUTING', spec: `-s 127.0.0.0/8 -o ${b} -j MASQUERADE` },
  );
  return rules;
}

export interface PortRule {
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Empty or 0.0.0.0: every local address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
}

export function portRules(ports: readonly PortRule[]): Rule[] {
  const rules: Rule[] = [];
  for (const p of ports) {
    const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `-d ${p.hostIp}/32 ` : '';
    rules.push({
      table: 'nat',
      chain: 'BERTH-DNAT',
      spec: `${dst}-p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`,
    });
    // hairpin: the container reaching itself through its published port
    rules.push({
      table: 'nat',
      chain: 'BERTH-POSTROUTING',
      spec: `-s ${p.containerIp}/32 -d ${p.containerIp}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.containerPort} -j MASQUERADE`,
    });
  }
  return rules;
}

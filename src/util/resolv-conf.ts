// resolv.conf(5) read into its parts. Shared by the engine (a container's
// /etc/resolv.conf) and the network layer (the DNS server's upstreams), which
// may not import from each other.

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const words = raw
      .replace(/[#;].*$/, '')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const [key, ...rest] = words;
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    // The last search or domain line counts (resolv.conf(5)).
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

/** A loopback address: a nameserver there is the host's own, out of reach from another network namespace. */
export const isLoopbackAddress = (ip: string) =>
  ip.startsWith('127.') || ip === '::1' || /^0*:(0*:)*0*1$/.test(ip);

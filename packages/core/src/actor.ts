// How an actor reads in text meant for people (a step's detail, a run's reason). API tokens are
// recorded as `token:<name>`: the id already carries its kind, so a person reads the name. The
// recorded id itself never changes (ledger entries, approvals and the requester keep it).

export function actorLabel(id: string): string {
  return id.startsWith('token:') ? id.slice('token:'.length) : id;
}

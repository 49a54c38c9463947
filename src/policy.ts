// Who may do what. Every door — a typed command, a button press, a form — asks here, so a person
// removed from a partnership is refused everywhere at once, and a refused request changes nothing.
export type Role = "coordinator" | "partner" | "steering";

/** A membership as the policy needs it: null when the person was never a member. */
export interface MembershipLike {
  roles: string[];
  removedAt: Date | null;
}

export type Refusal = "not-member" | "no-longer-member" | "coordinator-only" | "coordinator-or-owner";

export type Decision = { ok: true } | { ok: false; reason: Refusal };

const ok: Decision = { ok: true };
const no = (reason: Refusal): Decision => ({ ok: false, reason });

export function isCurrent(m: MembershipLike | null | undefined): m is MembershipLike {
  return !!m && m.removedAt === null;
}

export function hasRole(m: MembershipLike | null | undefined, role: Role): boolean {
  return isCurrent(m) && m.roles.includes(role);
}

/** Answering a poll, opening it, snoozing it or opting out of its nudges: the invited member, while a member. */
export function mayUsePoll(invited: MembershipLike | null): Decision {
  if (!invited) return no("not-member");
  return isCurrent(invited) ? ok : no("no-longer-member");
}

/** Completing or postponing an action: its owner while a member, or a current coordinator. */
export function mayChangeAction(actor: MembershipLike | null, actorIsOwner: boolean): Decision {
  if (hasRole(actor, "coordinator")) return ok;
  if (actorIsOwner && isCurrent(actor)) return ok;
  if (actorIsOwner) return no("no-longer-member");
  return no("coordinator-or-owner");
}

/** A partnership command: members only, and coordinators only for what changes it. */
export function mayRunCommand(actor: MembershipLike | null, coordinatorOnly: boolean): Decision {
  if (coordinatorOnly) return hasRole(actor, "coordinator") ? ok : no("coordinator-only");
  return isCurrent(actor) ? ok : no("not-member");
}

/** Erasing another person's data (they asked by mail): a coordinator of a partnership they belong or belonged to. */
export function mayEraseMember(actor: MembershipLike | null, targetIsOrWasMember: boolean): Decision {
  if (!hasRole(actor, "coordinator")) return no("coordinator-only");
  return targetIsOrWasMember ? ok : no("not-member");
}

/** Recording an agreement from a meeting's card, while people talk: anyone in the partnership (the meeting's room is theirs). */
export function mayRecordAgreement(actor: MembershipLike | null): Decision {
  return isCurrent(actor) ? ok : no("not-member");
}

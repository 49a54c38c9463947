// The rooms of the core, one per part of the domain (see each file).
export { Partnerships } from "./partnerships.ts";
export { Rounds } from "./rounds.ts";
export { Polls } from "./polls.ts";
export { Comments } from "./comments.ts";
export { Digests } from "./digests.ts";
export { Actions } from "./actions.ts";
export { Schedules } from "./schedules.ts";
export { Meetings } from "./meetings.ts";
export { Agendas } from "./agendas.ts";
export { Agreements } from "./agreements.ts";
export { DataRights } from "./data-rights.ts";
export { Instruments } from "./instruments.ts";
export { Home } from "./home.ts";
export { Reports } from "./reports.ts";
export { Joining } from "./joining.ts";
export { MemberPages } from "./member-pages.ts";
export { Commands } from "./commands.ts";

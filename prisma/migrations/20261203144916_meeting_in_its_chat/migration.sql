-- A meeting in its own chat: its planned end, when its agenda goes out, the points added to it,
-- the conversation (and the platform's online meeting) it is linked to, the agenda cards posted,
-- when it started and closed, and its calendar entry's revision. An action keeps the due date it
-- was agreed with, so that the next meeting can say it was postponed.
-- AlterTable
ALTER TABLE "Action" ADD COLUMN     "agreedDue" DATE;

-- AlterTable
ALTER TABLE "Meeting" ADD COLUMN     "agendaAt" TIMESTAMP(3),
ADD COLUMN     "agendaPostedAt" TIMESTAMP(3),
ADD COLUMN     "agendaRefs" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "chatId" TEXT,
ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "endsAt" TIMESTAMP(3),
ADD COLUMN     "onlineMeetingId" TEXT,
ADD COLUMN     "points" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "sequence" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "startedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Meeting_onlineMeetingId_idx" ON "Meeting"("onlineMeetingId");

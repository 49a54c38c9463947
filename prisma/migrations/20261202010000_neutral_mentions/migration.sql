-- Typed mentions are stored in the core's neutral form, @{id} and #{id}, no longer in Slack's
-- <@id> / <#id|name>: agreements and meeting titles typed before this change are rewritten.
UPDATE "Action" SET "text" = regexp_replace("text", '<([@#])([^<>|[:space:]]+)(\|[^<>]*)?>', '\1{\2}', 'g') WHERE "text" ~ '<[@#]';
UPDATE "Action" SET "sourceMeeting" = regexp_replace("sourceMeeting", '<([@#])([^<>|[:space:]]+)(\|[^<>]*)?>', '\1{\2}', 'g') WHERE "sourceMeeting" ~ '<[@#]';
UPDATE "Meeting" SET "title" = regexp_replace("title", '<([@#])([^<>|[:space:]]+)(\|[^<>]*)?>', '\1{\2}', 'g') WHERE "title" ~ '<[@#]';

-- Local files are findings of their own content type, 'file' (they were 'attachment').
ALTER TABLE findings DROP CONSTRAINT findings_content_type_check;
ALTER TABLE findings ADD CONSTRAINT findings_content_type_check
    CHECK (content_type IN ('page', 'blogpost', 'comment', 'attachment', 'file'));

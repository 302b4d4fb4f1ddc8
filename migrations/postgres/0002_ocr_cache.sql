-- OCR: results by image content, so that the same image bytes are recognised once across every
-- worker process, however many pages they are attached to; and the box in the image of each
-- finding read by OCR. Keep in step with the other backend's 0002_ocr_cache.sql.
--
-- `sealed` is the recognised text (lines, words and their boxes) as JSON, sealed under the
-- server key (XChaCha20-Poly1305): OCR text is content, and content is never stored in the
-- clear. `engine` names what produced it (Tesseract version, language, preprocessing
-- revision); a row from another engine is recognised again and replaced.
CREATE TABLE ocr_cache (
    image_sha256 TEXT PRIMARY KEY,
    engine       TEXT NOT NULL,
    sealed       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- Where in an image a finding read by OCR sits ("left,top,width,height" in pixels), for
-- `location.region`; NULL for findings in text.
ALTER TABLE findings ADD COLUMN region TEXT;

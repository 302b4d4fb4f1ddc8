//! How tall an image's characters are, measured before OCR so that small text can be
//! enlarged. Tesseract's line recogniser rescales each line it finds, but it finds and
//! binarises the lines at the size it is given: at glyphs of five or six pixels (a screenshot
//! in a 9-11 px UI font) the stroke of a `.` or the loop of an `@` is one grey pixel and is
//! lost, and `ana.souza@lumen.com` comes back as `ana souza@lumen com` while the longer words
//! around it are still read.
//!
//! The measure is the median height of the connected blobs of ink that have a character's
//! proportions, found from runs of ink row by row (union-find over runs, no per-pixel state
//! beyond one row): a few milliseconds for a full-HD screenshot.
//!
//! The same blobs say when an image holds no text at all: a logo, a photo of a product, a
//! drawing, a diagram without labels. Tesseract's layout analysis of such an image costs as
//! much as of a page of text (0.1-0.5 s for a few megapixels) and reads nothing, or noise.
//! Counting character-shaped blobs alone is not enough: the strokes of a pen drawing are
//! many such blobs. Text sets its characters in rows, of one size, a letter's width apart;
//! only blobs in such a row count as text.

use image::GrayImage;

/// Ink differs from the background by at least this much (of 255). Anti-aliased edges of
/// small text are paler than their core; the core is what counts.
const INK_CONTRAST: u8 = 80;
/// Blobs this short are dots, noise or the tittles of an `i`; taller ones are not glyphs of
/// text anyone would read as small.
const GLYPH_HEIGHTS: std::ops::RangeInclusive<u32> = 3..=64;
/// Fewer blobs than this are not enough text to say anything about its size.
const MIN_GLYPHS: usize = 12;
/// Fewer blobs than this are no text worth reading: the shortest value a rule reports (a
/// password, a CVV next to its card) is longer. Logos and pictures measured 0 to 4.
pub(crate) const MIN_TEXT_GLYPHS: usize = 6;

/// Blobs in a row of at least this many count as set in a line of text: two strokes side by
/// side are common in a drawing, three of one size on one baseline much less.
const MIN_ROW: usize = 3;
/// Comparisons of two blobs the row search may make before it stops and takes the image for
/// text: reading an image needlessly costs time, skipping one that holds text loses findings.
/// A full-HD screenshot of text settles within a few thousand.
const MAX_ROW_COMPARISONS: usize = 4_000_000;

/// What the image's character-like blobs of ink say about its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextShapes {
    /// How many blobs have a character's height and proportions.
    pub glyphs: usize,
    /// How many of them stand in rows of [`MIN_ROW`] or more of their kind, across the image
    /// or down it (counted up to [`MIN_TEXT_GLYPHS`]: the search stops when it knows the image
    /// holds text).
    pub in_rows: usize,
    /// Their median height in pixels, when there are enough of them to tell.
    pub median_height: Option<u32>,
}

impl TextShapes {
    /// Whether the image holds too few characters set in rows to be worth reading.
    pub fn textless(&self) -> bool {
        self.in_rows < MIN_TEXT_GLYPHS
    }
}

/// Measures the image's character-like blobs of ink.
pub(crate) fn text_shapes(image: &GrayImage) -> TextShapes {
    let background = most_common_value(image);
    let (width, height) = image.dimensions();
    let width = width as usize;
    let raw = image.as_raw();

    let mut blobs = Blobs::default();
    let mut previous: Vec<Run> = Vec::new();
    let mut current: Vec<Run> = Vec::new();
    for y in 0..height {
        let row = &raw[y as usize * width..(y as usize + 1) * width];
        current.clear();
        let mut x = 0;
        while x < width {
            if !is_ink(row[x], background) {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && is_ink(row[x], background) {
                x += 1;
            }
            let blob = blobs.add(y, start as u32, x as u32);
            current.push(Run {
                start,
                end: x,
                blob,
            });
        }
        // Runs touching (diagonals included) a run of the row above are one blob.
        let mut above = 0;
        for run in &current {
            while above < previous.len() && previous[above].end < run.start {
                above += 1;
            }
            let mut k = above;
            while k < previous.len() && previous[k].start <= run.end {
                blobs.join(run.blob, previous[k].blob);
                k += 1;
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    blobs.shapes()
}

fn is_ink(value: u8, background: u8) -> bool {
    value.abs_diff(background) >= INK_CONTRAST
}

fn most_common_value(image: &GrayImage) -> u8 {
    let mut histogram = [0u32; 256];
    for &v in image.as_raw() {
        histogram[usize::from(v)] += 1;
    }
    let mut best = 0;
    for (value, &count) in histogram.iter().enumerate() {
        if count > histogram[best] {
            best = value;
        }
    }
    u8::try_from(best).unwrap_or(u8::MAX)
}

#[derive(Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    blob: usize,
}

/// The root of `id` in a union-find forest, halving the path on the way.
fn root(parent: &mut [usize], mut id: usize) -> usize {
    while parent[id] != id {
        parent[id] = parent[parent[id]];
        id = parent[id];
    }
    id
}

/// Union-find over runs, each root holding its blob's bounding box.
#[derive(Default)]
struct Blobs {
    parent: Vec<usize>,
    boxes: Vec<[u32; 4]>,
}

impl Blobs {
    fn add(&mut self, y: u32, start: u32, end: u32) -> usize {
        let id = self.parent.len();
        self.parent.push(id);
        self.boxes.push([start, y, end, y + 1]);
        id
    }

    fn root(&mut self, id: usize) -> usize {
        root(&mut self.parent, id)
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        let (keep, gone) = if a < b { (a, b) } else { (b, a) };
        self.parent[gone] = keep;
        let [l, t, r, bottom] = self.boxes[gone];
        let merged = &mut self.boxes[keep];
        merged[0] = merged[0].min(l);
        merged[1] = merged[1].min(t);
        merged[2] = merged[2].max(r);
        merged[3] = merged[3].max(bottom);
    }

    fn shapes(mut self) -> TextShapes {
        let mut glyphs = Vec::new();
        for id in 0..self.parent.len() {
            if self.root(id) != id {
                continue;
            }
            let [left, top, right, bottom] = self.boxes[id];
            let (w, h) = (right - left, bottom - top);
            // A character is about as wide as tall, give or take a ligature or an `m`; rules,
            // borders and filled boxes are far wider or far taller.
            if GLYPH_HEIGHTS.contains(&h) && w <= h * 2 && h <= w * 8 {
                glyphs.push(self.boxes[id]);
            }
        }
        let in_rows = glyphs_in_lines(&mut glyphs);
        let mut heights: Vec<u32> = glyphs.iter().map(|[_, t, _, b]| b - t).collect();
        let count = heights.len();
        let median_height =
            (count >= MIN_GLYPHS).then(|| *heights.select_nth_unstable(count / 2).1);
        TextShapes {
            glyphs: count,
            in_rows,
            median_height,
        }
    }
}

/// How many of the glyph boxes (`[left, top, right, bottom]`) stand in rows of [`MIN_ROW`] or
/// more, across the image or down it, up to [`MIN_TEXT_GLYPHS`]. Sorts `glyphs`.
fn glyphs_in_lines(glyphs: &mut [[u32; 4]]) -> usize {
    let found = glyphs_in_rows(glyphs);
    if found >= MIN_TEXT_GLYPHS {
        return found;
    }
    // Text turned a quarter (a page scanned sideways, a label along a chart's axis): its rows
    // run down the image, which Tesseract's layout analysis finds too. Transposed, they run
    // across.
    let mut turned: Vec<[u32; 4]> = glyphs.iter().map(|&[l, t, r, b]| [t, l, b, r]).collect();
    found.max(glyphs_in_rows(&mut turned))
}

/// How many of the glyph boxes (`[left, top, right, bottom]`) stand in rows of [`MIN_ROW`] or
/// more, up to [`MIN_TEXT_GLYPHS`] (or that many when the search is cut short).
///
/// Two blobs are neighbours in a row when they are of about one size (the tallest at most
/// two and a half times the shortest: an `o` next to an `l` or a `g`), share at least half the
/// shorter one's height (one baseline, whatever the ascenders and descenders), and the gap
/// between them is at most one and a half times the taller one's height (the space between
/// two words).
fn glyphs_in_rows(glyphs: &mut [[u32; 4]]) -> usize {
    glyphs.sort_unstable_by_key(|g| g[0]);
    let mut rows = Rows::new(glyphs.len());
    let mut comparisons = 0;
    for (i, a) in glyphs.iter().enumerate() {
        let ha = a[3] - a[1];
        // A neighbour on the right starts within this reach: its height is at most 2.5 times
        // this one's, and the gap at most 1.5 times its height.
        let reach = a[2].saturating_add(ha.saturating_mul(4));
        for (j, b) in glyphs.iter().enumerate().skip(i + 1) {
            if b[0] > reach {
                break;
            }
            comparisons += 1;
            if comparisons > MAX_ROW_COMPARISONS {
                return MIN_TEXT_GLYPHS;
            }
            if neighbours(a, b) && rows.join(i, j) >= MIN_TEXT_GLYPHS {
                return MIN_TEXT_GLYPHS;
            }
        }
    }
    rows.counted
}

fn neighbours(a: &[u32; 4], b: &[u32; 4]) -> bool {
    let (ha, hb) = (a[3] - a[1], b[3] - b[1]);
    let (short, tall) = (ha.min(hb), ha.max(hb));
    let shared = a[3].min(b[3]).saturating_sub(a[1].max(b[1]));
    let gap = b[0].saturating_sub(a[2]);
    tall * 2 <= short * 5 && shared * 2 >= short && gap * 2 <= tall * 3
}

/// Union-find over glyphs joined into rows, keeping count of the glyphs in rows of
/// [`MIN_ROW`] or more.
struct Rows {
    parent: Vec<usize>,
    size: Vec<usize>,
    counted: usize,
}

impl Rows {
    fn new(n: usize) -> Self {
        Rows {
            parent: (0..n).collect(),
            size: vec![1; n],
            counted: 0,
        }
    }

    /// Joins the rows of `a` and `b`; the glyphs counted in rows so far.
    fn join(&mut self, a: usize, b: usize) -> usize {
        let (a, b) = (root(&mut self.parent, a), root(&mut self.parent, b));
        if a != b {
            let counted = |size: usize| if size >= MIN_ROW { size } else { 0 };
            let (sa, sb) = (self.size[a], self.size[b]);
            self.counted = self.counted - counted(sa) - counted(sb) + counted(sa + sb);
            let (keep, gone) = if sa >= sb { (a, b) } else { (b, a) };
            self.parent[gone] = keep;
            self.size[keep] = sa + sb;
        }
        self.counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A white image with `count` dark boxes `w` x `h`, spaced like letters on lines.
    fn letters(count: u32, w: u32, h: u32) -> GrayImage {
        let mut image = GrayImage::from_pixel(800, 400, Luma([250]));
        for i in 0..count {
            let (x0, y0) = (10 + (i % 40) * (w + 3), 10 + (i / 40) * (h * 2));
            for y in y0..y0 + h {
                for x in x0..x0 + w {
                    image.put_pixel(x, y, Luma([40]));
                }
            }
        }
        image
    }

    fn median_glyph_height(image: &GrayImage) -> Option<u32> {
        text_shapes(image).median_height
    }

    #[test]
    fn the_median_height_of_letter_shaped_blobs() {
        assert_eq!(median_glyph_height(&letters(60, 4, 6)), Some(6));
        assert_eq!(median_glyph_height(&letters(60, 12, 20)), Some(20));
    }

    #[test]
    fn rules_boxes_and_specks_are_not_letters() {
        let mut image = letters(0, 1, 1);
        for x in 0..800 {
            image.put_pixel(x, 200, Luma([0]));
        }
        for y in 0..400 {
            image.put_pixel(5, y, Luma([0]));
        }
        assert_eq!(
            median_glyph_height(&image),
            None,
            "a cross is one tall blob"
        );
        assert!(text_shapes(&image).textless());
        assert_eq!(median_glyph_height(&letters(5, 4, 6)), None, "too few");
        assert!(text_shapes(&letters(5, 4, 6)).textless());
        assert!(
            !text_shapes(&letters(8, 4, 6)).textless(),
            "a short password"
        );
    }

    #[test]
    fn letter_shapes_out_of_rows_are_no_text() {
        // The strokes of a pen drawing: sixty blobs of a letter's size and shape, none a
        // letter's width from another of its size on its line.
        let mut image = GrayImage::from_pixel(800, 800, Luma([255]));
        for i in 0..60u32 {
            let (x0, y0) = (
                10 + (i % 8) * 90 + (i / 8) * 7,
                10 + (i / 8) * 90 + (i % 8) * 5,
            );
            for y in y0..y0 + 8 {
                for x in x0..x0 + 5 {
                    image.put_pixel(x, y, Luma([0]));
                }
            }
        }
        let shapes = text_shapes(&image);
        assert_eq!((shapes.glyphs, shapes.in_rows), (60, 0));
        assert!(shapes.textless());

        // Two of them in a row, or three of very different sizes, make no line either.
        let mut pair = letters(2, 4, 6);
        for y in 100..130 {
            for x in 30..45 {
                pair.put_pixel(x, y, Luma([40]));
            }
        }
        assert!(text_shapes(&pair).textless(), "{:?}", text_shapes(&pair));

        // Three words of two letters each, set wide apart: still a line.
        let mut words = GrayImage::from_pixel(200, 40, Luma([255]));
        for x0 in [10u32, 17, 32, 39, 54, 61] {
            for y in 10..18 {
                for x in x0..x0 + 5 {
                    words.put_pixel(x, y, Luma([0]));
                }
            }
        }
        assert_eq!(text_shapes(&words).in_rows, MIN_TEXT_GLYPHS);
        assert!(!text_shapes(&words).textless());

        // The same line turned a quarter, as on a page scanned sideways.
        let (w, h) = words.dimensions();
        let turned = GrayImage::from_fn(h, w, |x, y| *words.get_pixel(y, x));
        assert_eq!(text_shapes(&turned).in_rows, MIN_TEXT_GLYPHS);
    }

    #[test]
    fn a_filled_shape_is_no_text() {
        let mut image = GrayImage::from_pixel(600, 600, Luma([255]));
        for y in 100..500i32 {
            for x in 100..500i32 {
                if (x - 300).pow(2) + (y - 300).pow(2) < 150 * 150 {
                    image.put_pixel(x as u32, y as u32, Luma([20]));
                }
            }
        }
        assert_eq!(
            text_shapes(&image).glyphs,
            0,
            "a disc taller than any glyph"
        );
    }

    #[test]
    fn light_text_on_a_dark_background_is_ink_too() {
        let mut image = letters(60, 5, 8);
        for p in image.pixels_mut() {
            p.0[0] = 255 - p.0[0];
        }
        assert_eq!(median_glyph_height(&image), Some(8));
    }

    #[test]
    fn diagonal_strokes_join_into_one_blob() {
        let mut image = GrayImage::from_pixel(200, 100, Luma([255]));
        for n in 0..20u32 {
            for i in 0..7 {
                image.put_pixel(5 + n * 9 + i, 10 + i, Luma([0]));
            }
        }
        assert_eq!(median_glyph_height(&image), Some(7));
    }
}

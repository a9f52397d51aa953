//! Reading a PDF back as a printer and a phone would: pages rendered to pixels by poppler's
//! `pdftoppm`, a part of a page decoded by zbar's `zbarimg`, the words and their places read by
//! `pdftotext -bbox`. Shared by the paper crate's tests and the app's end-to-end test.
#![allow(dead_code)] // each test file uses some of it

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Pixels per inch of the rendered pages: a label's module is then 5 pixels or more.
pub const DPI: f32 = 200.0;

pub fn tool(name: &str) -> Command {
    // Asked once a tool: a page's labels call zbarimg dozens of times.
    static FOUND: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    if FOUND.lock().unwrap().iter().any(|n| n == name) {
        return Command::new(name);
    }
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "{name} is missing: install poppler-utils and zbar-tools (scripts/install-deps.sh --test)"
    );
    FOUND.lock().unwrap().push(name.to_owned());
    Command::new(name)
}

pub struct Gray {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

/// Every page of `pdf` as grey pixels at `DPI`.
pub fn render(pdf: &Path) -> Vec<Gray> {
    let pages_dir = tempfile::tempdir().unwrap();
    let dir = pages_dir.path();
    let prefix = dir.join("page");
    let status = tool("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(status.success());
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| read_pgm(&std::fs::read(p).unwrap()))
        .collect()
}

fn read_pgm(bytes: &[u8]) -> Gray {
    // "P5\n<width> <height>\n255\n" then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    Gray {
        width,
        height,
        pixels: bytes[at + 1..].to_vec(),
    }
}

/// What zbar reads in the part of `page` at (`x`, `y`, `w`, `h`) points from the lower left.
pub fn decode(page: &Gray, x: f32, y: f32, w: f32, h: f32, page_height: f32) -> Vec<String> {
    let px = |v: f32| (v * DPI / 72.0).round() as usize;
    let (left, top) = (px(x), px(page_height - y - h));
    let (width, height) = (px(w).min(page.width - left), px(h).min(page.height - top));
    let mut pgm = format!("P5\n{width} {height}\n255\n").into_bytes();
    for row in top..top + height {
        let start = row * page.width + left;
        pgm.extend_from_slice(&page.pixels[start..start + width]);
    }
    let mut child = tool("zbarimg")
        .args(["-q", "--raw", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &pgm).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A word on a page: its box in points from the top left, and its text.
pub struct Word {
    pub left: f32,
    pub top: f32,
    pub right: f32,
    pub bottom: f32,
    pub text: String,
}

impl Word {
    pub fn centre(&self) -> (f32, f32) {
        (
            (self.left + self.right) / 2.0,
            (self.top + self.bottom) / 2.0,
        )
    }
}

/// The words of each page.
pub fn words(pdf: &Path) -> Vec<Vec<Word>> {
    let out = tool("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let attr = |tag: &str, name: &str| -> f32 {
        let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    html.split("<page")
        .skip(1)
        .map(|page| {
            page.split("<word ")
                .skip(1)
                .map(|w| {
                    let (tag, rest) = w.split_once('>').unwrap();
                    let text = rest.split("</word>").next().unwrap();
                    let text = text
                        .replace("&apos;", "'")
                        .replace("&quot;", "\"")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&amp;", "&");
                    Word {
                        left: attr(tag, "xMin"),
                        top: attr(tag, "yMin"),
                        right: attr(tag, "xMax"),
                        bottom: attr(tag, "yMax"),
                        text,
                    }
                })
                .collect()
        })
        .collect()
}

/// Width and height of the first page, in points.
pub fn page_size(pdf: &Path) -> (f32, f32) {
    let out = tool("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap()
        .to_owned();
    let numbers: Vec<f32> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// Checks a sheet of `links` (link, code) laid out as `layout`, label by label: its QR code
/// decodes to exactly its link (so every link once, in order), the code printed in the label is
/// its own and no other label's, and the labels after the last link are empty. Answers the words
/// of each label.
pub fn check_labels(
    file: &Path,
    layout: paper::SheetLayout,
    links: &[(String, String)],
) -> Vec<Vec<String>> {
    let cells = layout.cells().unwrap();
    let pages = render(file);
    assert_eq!(pages.len(), links.len().div_ceil(cells.len()), "pages");
    let (_, page_height) = layout.page_size();
    let words = words(file);
    let mut labels = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            let index = p * cells.len() + c;
            let found = decode(page, cell.x, cell.y, cell.width, cell.height, page_height);
            let Some((url, code)) = links.get(index) else {
                assert!(found.is_empty(), "an empty label holds {found:?}");
                continue;
            };
            assert_eq!(
                found,
                vec![url.clone()],
                "label {} (page {}, place {c})",
                index + 1,
                p + 1
            );
            let top = page_height - cell.y - cell.height;
            let printed: Vec<String> = words[p]
                .iter()
                .filter(|w| {
                    let (x, y) = w.centre();
                    x > cell.x && x < cell.x + cell.width && y > top && y < top + cell.height
                })
                .map(|w| w.text.clone())
                .collect();
            assert!(
                printed.contains(code),
                "label {} shows {printed:?}, not its code {code}",
                index + 1
            );
            let others = links
                .iter()
                .filter(|(_, other)| other != code && printed.contains(other))
                .count();
            assert_eq!(others, 0, "label {} shows another label's code", index + 1);
            labels.push(printed);
        }
    }
    // Every word stands wholly inside one label: nothing spills into the next one.
    for (p, page) in words.iter().enumerate() {
        for word in page {
            let inside = cells.iter().any(|cell| {
                let top = page_height - cell.y - cell.height;
                word.left >= cell.x - 0.5
                    && word.right <= cell.x + cell.width + 0.5
                    && word.top >= top - 0.5
                    && word.bottom <= top + cell.height + 0.5
            });
            assert!(
                inside,
                "\"{}\" on page {} crosses a label's edge",
                word.text,
                p + 1
            );
        }
    }
    labels
}

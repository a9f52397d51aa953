//! One coupon on paper: a receipt printer's roll (80 or 58 mm wide, as long as it needs) or an A6
//! card: the campaign, the QR code, the code large enough to read out, the date it is valid until
//! and the link itself for typing.

use pdf_writer::Content;

use crate::document::{show, Document};
use crate::layout::wrap;
use crate::qr_font;
use crate::{mm, PaperError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptSize {
    Roll80,
    Roll58,
    A6,
}

impl ReceiptSize {
    /// Page width, margin and QR code side, in millimetres.
    fn measures(self) -> (f32, f32, f32) {
        match self {
            ReceiptSize::Roll80 => (80.0, 4.0, 50.0),
            ReceiptSize::Roll58 => (58.0, 3.0, 42.0),
            ReceiptSize::A6 => (105.0, 10.0, 60.0),
        }
    }
}

/// What a coupon on paper says, in the user's language already.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub campaign: String,
    pub url: String,
    pub code: String,
    /// E.g. "Valid until 31/12/2026", worded by the caller.
    pub valid_until: Option<String>,
}

enum Item {
    Words { text: String, size: f32, top: f32 },
    Code { top: f32 },
}

pub fn receipt(coupon: &Receipt, size: ReceiptSize) -> Result<Vec<u8>, PaperError> {
    let (width_mm, margin_mm, qr_mm) = size.measures();
    let (width, margin) = (mm(width_mm), mm(margin_mm));
    let room = width - 2.0 * margin;
    let qr_side = mm(qr_mm).min(room);
    let code = qr_font::qr_rows(&coupon.url, 0)?;
    let mut doc = Document::new()?;
    code.mark(&mut doc.patterns);
    let big = if size == ReceiptSize::Roll58 {
        11.0
    } else {
        14.0
    };

    // Laid out from the top, in points below the top margin; drawn once the height is known.
    let mut items = Vec::new();
    let mut y = 0.0;
    let words = |items: &mut Vec<Item>, y: &mut f32, text: &str, size: f32, lines: usize| {
        for line in wrap(&doc.font, text, size, room, lines) {
            *y += size * 1.25;
            items.push(Item::Words {
                text: line,
                size,
                top: *y - size * 0.25,
            });
        }
    };
    words(&mut items, &mut y, &coupon.campaign, big, 4);
    y += mm(2.0);
    items.push(Item::Code { top: y });
    y += qr_side + mm(2.0);
    words(&mut items, &mut y, &coupon.code, big * 1.5, 2);
    if let Some(valid) = coupon
        .valid_until
        .as_deref()
        .filter(|v| !v.trim().is_empty())
    {
        y += mm(1.0);
        words(&mut items, &mut y, valid, big * 0.75, 2);
    }
    y += mm(1.5);
    words(&mut items, &mut y, &coupon.url, 7.0, 4);

    let height = match size {
        ReceiptSize::A6 => mm(148.0),
        _ => y + 2.0 * margin,
    };
    let top = height - margin;
    let mut content = Content::new();
    // The side holds two light modules each way; the margins and gaps add the rest.
    let module = qr_side / (code.modules as f32 + 4.0);
    for item in items {
        match item {
            Item::Words {
                text,
                size,
                top: below,
            } => {
                let x = margin + (room - doc.font.width(&text, size)).max(0.0) / 2.0;
                show(&mut content, &mut doc.font, x, top - below, size, &text);
            }
            Item::Code { top: below } => {
                let x = margin + (room - qr_side) / 2.0;
                qr_font::draw(
                    &mut content,
                    &code,
                    x + 2.0 * module,
                    top - below - 2.0 * module,
                    module,
                );
            }
        }
    }
    doc.page(width, height, content);
    let title = if coupon.campaign.trim().is_empty() {
        "Coupon Desk"
    } else {
        coupon.campaign.as_str()
    };
    doc.finish(title)
}

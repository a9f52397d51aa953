//! Packs the built-in font: DejaVu Sans is 760 kB as a file and about half that deflated. The
//! program carries the packed form and unpacks it once, on the first PDF.

fn main() {
    let source = "fonts/DejaVuSans.ttf";
    println!("cargo::rerun-if-changed={source}");
    let font =
        std::fs::read(source).expect("crates/paper/fonts/DejaVuSans.ttf is in the repository");
    let packed = miniz_oxide::deflate::compress_to_vec(&font, 9);
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("DejaVuSans.ttf.deflate"), packed).expect("OUT_DIR is writable");
}

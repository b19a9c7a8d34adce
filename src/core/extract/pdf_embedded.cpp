#include "core/extract/pdf_embedded.hpp"

#include <algorithm>
#include <memory>
#include <new>
#include <vector>

#include <poppler/cpp/poppler-document.h>
// poppler's own classes (Debian libpoppler-private-dev), for bounded reads of embedded files.
#include <Catalog.h>
#include <FileSpec.h>
#include <PDFDoc.h>
#include <Stream.h>

#include "core/extract/context.hpp"
#include "core/extract/text.hpp"
#include "core/purity.hpp"

namespace docextract::extract {
namespace {

std::string lower(std::string s) {
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string clip(std::string s, std::size_t max) {
    if (s.size() > max) s.resize(max);
    return sanitize_utf8(s);  // a cut inside a sequence becomes U+FFFD
}

bool xml_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

bool is_invoice_name(const std::string &name) {
    const std::string n = lower(name);
    return n == "factur-x.xml" || n == "zugferd-invoice.xml" || n == "xrechnung.xml" ||
           n == "order-x.xml";
}

bool is_invoice_xml(const std::string &xml) {
    const std::size_t end = std::min<std::size_t>(xml.size(), 64 << 10);
    std::size_t i = 0;
    if (xml.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
    for (int guard = 0; guard < 1000 && i < end; ++guard) {
        const char c = xml[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ++i;
            continue;
        }
        if (c != '<' || i + 1 >= end) return false;
        const char d = xml[i + 1];
        if (d == '?' || d == '!') {  // prolog: declaration, comments, doctype
            const char *close = xml.compare(i, 4, "<!--") == 0 ? "-->" : ">";
            const std::size_t e = xml.find(close, i + 2);
            if (e == std::string::npos || e >= end) return false;
            i = e + std::char_traits<char>::length(close);
            continue;
        }
        std::size_t j = i + 1;
        while (j < end && xml_name_char(xml[j])) ++j;
        std::string name = xml.substr(i + 1, j - i - 1);
        const std::size_t colon = name.rfind(':');
        if (colon != std::string::npos) name.erase(0, colon + 1);
        return name == "CrossIndustryInvoice" || name == "CrossIndustryDocument" || name == "Invoice" ||
               name == "CreditNote";
    }
    return false;
}

namespace {

std::string goo(const GooString *g) { return g ? std::string(g->c_str()) : std::string(); }

// Reads the decoded stream up to cap + 1 bytes: one more than the cap tells that it is longer,
// and nothing beyond that is ever inflated or held, whatever the file declares.
std::string read_bounded(Stream *s, std::size_t cap) {
    std::string data;
    s->reset();
    unsigned char chunk[16384];
    while (data.size() <= cap) {
        const int want = static_cast<int>(std::min<std::size_t>(sizeof chunk, cap + 1 - data.size()));
        const int n = s->doGetChars(want, chunk);
        if (n <= 0) break;
        data.append(reinterpret_cast<const char *>(chunk), static_cast<std::size_t>(n));
    }
    s->close();
    return data;
}

}  // namespace

Embedded pdf_embedded_files(std::string_view bytes, const poppler::document &doc, Context &ctx) {
    Embedded out;
    out.invoice_xml = nullptr;
    if (!doc.has_embedded_files()) return out;
    // poppler-cpp reads an embedded file only whole (embedded_file::data()), so the files are
    // read through poppler's own document over the same bytes, which can stop a stream at the
    // cap. It parses lazily: this costs the cross-reference table once more, only for PDFs
    // that have embedded files.
    PDFDoc pdf(new MemStream(bytes.data(), 0, static_cast<Goffset>(bytes.size()), Object(objNull)));
    Catalog *catalog = pdf.isOk() ? pdf.getCatalog() : nullptr;
    if (catalog == nullptr || !catalog->isOk()) {
        ctx.warn("the PDF's embedded files could not be read");
        return out;
    }
    const int total = std::max(0, catalog->numEmbeddedFiles());
    if (static_cast<std::size_t>(total) > kMaxAttachmentsListed) {
        ctx.limit("max_attachments");
        ctx.warn("the PDF has " + std::to_string(total) + " embedded files; the first " +
                 std::to_string(kMaxAttachmentsListed) + " are listed");
    }
    // Candidates for the invoice: the standard names first, then any other XML, in file order.
    struct Candidate {
        std::unique_ptr<FileSpec> spec;
        std::string name, mime;
        int declared;
    };
    std::vector<Candidate> candidates;
    for (int i = 0; i < total && static_cast<std::size_t>(i) < kMaxAttachmentsListed; ++i) {
        std::unique_ptr<FileSpec> spec = catalog->embeddedFile(i);
        if (!spec || !spec->isOk()) continue;
        EmbFile *file = spec->getEmbeddedFile();
        const std::string name = clip(goo(spec->getFileName()), 1024);
        const std::string mime = clip(file ? goo(file->mimeType()) : std::string(), 256);
        const int size = file ? file->size() : -1;  // /Params /Size as written; -1 when absent
        out.attachments.push_back({{"name", name}, {"mime", mime.empty() ? nlohmann::json(nullptr) : nlohmann::json(mime)},
                                   {"size", size >= 0 ? nlohmann::json(size) : nlohmann::json(nullptr)}});
        if (file != nullptr && file->isOk() &&
            (is_invoice_name(name) || ends_with(lower(name), ".xml") || lower(mime).find("xml") != std::string::npos))
            candidates.push_back({std::move(spec), name, mime, size});
    }
    std::stable_partition(candidates.begin(), candidates.end(),
                          [](const Candidate &c) { return is_invoice_name(c.name); });
    int reads = 0;
    for (Candidate &c : candidates) {
        if (reads >= kMaxAttachmentReads) {
            ctx.warn("embedded file '" + c.name + "' not examined: at most " +
                     std::to_string(kMaxAttachmentReads) + " XML attachments are read");
            break;
        }
        ++reads;
        Stream *stream = c.spec->getEmbeddedFile()->stream();
        if (stream == nullptr) continue;
        std::string xml;
        try {
            xml = read_bounded(stream, kMaxInvoiceXmlBytes);
        } catch (const std::bad_alloc &) {
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + c.name + "' could not be read: out of memory");
            continue;
        }
        if (xml.size() > kMaxInvoiceXmlBytes) {
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + c.name + "' holds more than the " + std::to_string(kMaxInvoiceXmlBytes) +
                     " bytes read" + (c.declared >= 0 ? " (it declares " + std::to_string(c.declared) + ")" : std::string()) +
                     "; it was not kept");
            continue;
        }
        if (c.declared >= 0 && static_cast<std::size_t>(c.declared) != xml.size())
            ctx.warn("embedded file '" + c.name + "' declares " + std::to_string(c.declared) + " bytes but holds " +
                     std::to_string(xml.size()));
        if (!is_invoice_name(c.name) && !is_invoice_xml(xml)) continue;
        out.invoice_xml = {{"name", c.name},
                           {"mime", c.mime.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.mime)},
                           {"size", xml.size()},
                           {"xml", sanitize_utf8(xml)}};
        break;
    }
    return out;
}

}  // namespace docextract::extract

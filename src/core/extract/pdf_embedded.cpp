#include "core/extract/pdf_embedded.hpp"

#include <algorithm>
#include <new>
#include <vector>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-embedded-file.h>

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

Embedded pdf_embedded_files(const poppler::document &doc, Context &ctx) {
    Embedded out;
    out.invoice_xml = nullptr;
    if (!doc.has_embedded_files()) return out;
    const std::vector<poppler::embedded_file *> files = doc.embedded_files();
    if (files.size() > kMaxAttachmentsListed) {
        ctx.limit("max_attachments");
        ctx.warn("the PDF has " + std::to_string(files.size()) + " embedded files; the first " +
                 std::to_string(kMaxAttachmentsListed) + " are listed");
    }
    // Candidates for the invoice: the standard names first, then any other XML, in file order.
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < files.size() && i < kMaxAttachmentsListed; ++i) {
        const poppler::embedded_file *f = files[i];
        if (f == nullptr || !f->is_valid()) continue;
        const std::string name = clip(f->name(), 1024);
        const std::string mime = clip(f->mime_type(), 256);
        const int size = f->size();  // /Params /Size as written; -1 when absent
        out.attachments.push_back({{"name", name}, {"mime", mime.empty() ? nlohmann::json(nullptr) : nlohmann::json(mime)},
                                   {"size", size >= 0 ? nlohmann::json(size) : nlohmann::json(nullptr)}});
        if (is_invoice_name(name) || ends_with(lower(name), ".xml") || lower(mime).find("xml") != std::string::npos)
            candidates.push_back(i);
    }
    std::stable_partition(candidates.begin(), candidates.end(),
                          [&](std::size_t i) { return is_invoice_name(files[i]->name()); });
    int reads = 0;
    for (std::size_t i : candidates) {
        const poppler::embedded_file *f = files[i];
        const std::string name = clip(f->name(), 1024);
        if (reads >= kMaxAttachmentReads) {
            ctx.warn("embedded file '" + name + "' not examined: at most " +
                     std::to_string(kMaxAttachmentReads) + " XML attachments are read");
            break;
        }
        // The declared size decides whether the stream is read at all: poppler-cpp's data() reads a
        // whole stream into memory, without a bound of its own.
        const int declared = f->size();
        if (declared > static_cast<int>(kMaxInvoiceXmlBytes)) {
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + name + "' declares " + std::to_string(declared) +
                     " bytes, more than the " + std::to_string(kMaxInvoiceXmlBytes) + " read");
            continue;
        }
        ++reads;
        poppler::byte_array data;
        try {
            data = f->data();
        } catch (const std::bad_alloc &) {
            // A stream that inflates far beyond its declared size: the memory limit stopped it.
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + name + "' is too large to read");
            continue;
        } catch (const std::length_error &) {
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + name + "' is too large to read");
            continue;
        }
        if (data.size() > kMaxInvoiceXmlBytes) {
            ctx.limit("max_attachment_bytes");
            ctx.warn("embedded file '" + name + "' holds " + std::to_string(data.size()) +
                     " bytes, more than the " + std::to_string(kMaxInvoiceXmlBytes) + " kept");
            continue;
        }
        std::string xml(data.begin(), data.end());
        poppler::byte_array().swap(data);
        if (!is_invoice_name(name) && !is_invoice_xml(xml)) continue;
        const std::string mime = clip(f->mime_type(), 256);
        out.invoice_xml = {{"name", name},
                           {"mime", mime.empty() ? nlohmann::json(nullptr) : nlohmann::json(mime)},
                           {"size", xml.size()},
                           {"xml", sanitize_utf8(xml)}};
        break;
    }
    return out;
}

}  // namespace docextract::extract

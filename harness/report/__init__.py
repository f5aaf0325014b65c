"""What people read: comparisons of finished run folders and the Markdown/HTML pages with plots."""

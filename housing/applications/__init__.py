"""The standard application: drafts, submission, documents and duplicate flags."""

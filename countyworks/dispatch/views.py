from django.http import Http404


def pending(request, pk):  # replaced by the dispatch UI
    raise Http404

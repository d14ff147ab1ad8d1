/* Observatoire des clauses sociales : exploration interactive.
 * Reads window.OBSERVATOIRE_DATA and window.OBSERVATOIRE_GEO (written by observatoire/publication/dataviz.py)
 * and draws with Apache ECharts (assets/vendor). A masked cell (secret statistique) is never drawn as 0:
 * it has no bar, a hatched grey area on maps, and says "secret statistique". */
(function () {
  'use strict';

  const DATA = window.OBSERVATOIRE_DATA;
  const GEO = window.OBSERVATOIRE_GEO;

  const SECRET = 'secret statistique';
  const ABSENT = 'aucune donnée';
  const SANS_SUIVI = "Aucune donnée de suivi des clauses n'a encore été chargée : les bénéficiaires, les heures "
    + "d'insertion et les sorties s'afficheront après le chargement du premier export de suivi.";
  const NON_COMMUNAL = "Non publié à l'échelon communal : choisir une région, un département ou un EPT.";
  const nombre = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
  const pourcent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });
  const moisLong = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric' });

  const COULEURS = {
    beneficiaires: '#2b5ea7', heures: '#c0642b', sorties: '#2e8b6b', femmes: '#c4487a', hommes: '#2f6cb3',
    secret: '#b9bec7', absent: '#ffffff', bordure: '#ffffff', selection: '#e8590c', texteSecret: '#6b7280',
  };
  const PALETTE_CARTE = ['#bcd3ee', '#86acdb', '#4f83c2', '#23589f', '#0d3160'];
  const COULEUR_ZERO = '#e8edf4';
  const PALETTE_TYPES = ['#2b5ea7', '#d0702e', '#2e9d6b', '#b23b6e', '#7a52b3', '#c9a227', '#3b9fb5', '#6b7280',
    '#a14d2a', '#4f7f2a'];
  const HACHURES = {
    symbol: 'rect', rotation: Math.PI / 4, color: 'rgba(255, 255, 255, 0.6)', dashArrayX: [1, 0], dashArrayY: [2, 3],
    symbolSize: 1,
  };
  const INDICATEURS = {
    beneficiaires: { libelle: 'Bénéficiaires', unite: 'bénéficiaires', couleur: COULEURS.beneficiaires },
    heures: { libelle: 'Heures réalisées', unite: 'heures', couleur: COULEURS.heures },
  };
  const NIVEAUX_CARTE = { departement: 'département', ept: 'EPT de la Métropole du Grand Paris', commune: 'commune' };
  const REPARTITIONS = [
    { dimension: 'sexe', titre: 'Sexe', tri: 'code' },
    { dimension: 'tranche_age', titre: "Tranche d'âge", tri: 'age' },
    { dimension: 'niveau_diplome', titre: 'Niveau de diplôme', tri: 'code' },
    { dimension: 'residence_qpv', titre: 'Résidence en quartier prioritaire (QPV)', tri: 'code' },
    { dimension: 'public', titre: 'Public éligible (non additif)', tri: 'valeur' },
    { dimension: 'type_contrat', titre: 'Type de contrat de travail (non additif)', tri: 'valeur' },
    { dimension: 'modalite_realisation', titre: 'Modalité de réalisation (non additif)', tri: 'valeur' },
    { dimension: 'prescripteur', titre: 'Prescripteur', tri: 'valeur' },
  ];
  // Outcomes from the best to unknown (open-data codes); other codes after them.
  const ORDRE_ISSUES = ['emploi_durable', 'emploi_transition', 'sortie_positive', 'autre_sortie', 'inconnue'];
  function rangIssue(code) {
    const rang = ORDRE_ISSUES.indexOf(code);
    return rang < 0 ? ORDRE_ISSUES.length : rang;
  }
  // Aggregates of structures_par_territoire that are not a type of their own.
  const AGREGATS_STRUCTURES = ['ensemble', 'SIAE'];
  const INCONNU = /inconnu|unknown|non renseign|non connu/i;

  // ------------------------------------------------------------------------------------------------- indexes
  const territoires = DATA.territoires.map(function (t, index) {
    return { index: index, niveau: t[0], code: t[1], nom: t[2] };
  });
  const territoireParCle = new Map(territoires.map(function (t) { return [t.niveau + ':' + t.code, t]; }));
  const communes = new Map(GEO.commune.features.map(function (f) { return [f.properties.code, f.properties]; }));

  const beneficiaires = new Map(); // "annee|territoire" -> Map(dimension -> [cellule])
  DATA.beneficiaires.forEach(function (l) {
    const cle = l[0] + '|' + l[1];
    if (!beneficiaires.has(cle)) beneficiaires.set(cle, new Map());
    const dimensions = beneficiaires.get(cle);
    const dimension = DATA.dimensions[l[2]];
    if (!dimensions.has(dimension)) dimensions.set(dimension, []);
    const modalite = DATA.modalites[l[3]];
    dimensions.get(dimension).push({
      modalite: modalite[0], libelle: modalite[1] || modalite[0], beneficiaires: l[4], heures: l[5], secret: l[6] === 1,
    });
  });
  const heuresMois = new Map(); // territoire -> Map("annee-mois" -> cellule)
  DATA.heures_mois.forEach(function (l) {
    if (!heuresMois.has(l[2])) heuresMois.set(l[2], new Map());
    heuresMois.get(l[2]).set(l[0] + '-' + l[1], { heures: l[3], beneficiaires: l[4], secret: l[5] === 1 });
  });
  const sorties = new Map(); // "annee|territoire" -> [cellule]
  DATA.sorties.forEach(function (l) {
    const cle = l[0] + '|' + l[1];
    if (!sorties.has(cle)) sorties.set(cle, []);
    const issue = DATA.issues[l[2]];
    sorties.get(cle).push({ modalite: issue[0], libelle: issue[1] || issue[0], sorties: l[3], secret: l[4] === 1 });
  });
  const chantiers = new Map(); // "annee|territoire" -> cellule
  DATA.heures_prevues.forEach(function (l) {
    chantiers.set(l[0] + '|' + l[1], {
      operations: l[2], heuresPrevues: l[3], heures: l[4], beneficiaires: l[5], secret: l[6] === 1,
    });
  });
  const structuresTerritoire = new Map(); // territoire -> [{type, structures, population, pour100000}]
  DATA.structures_territoire.forEach(function (l) {
    if (!structuresTerritoire.has(l[0])) structuresTerritoire.set(l[0], []);
    structuresTerritoire.get(l[0]).push({ type: l[1], structures: l[2], population: l[3], pour100000: l[4] });
  });

  function cellules(annee, territoire, dimension) {
    const dimensions = beneficiaires.get(annee + '|' + territoire.index);
    return (dimensions && dimensions.get(dimension)) || [];
  }
  /** The cell of a public (or of all beneficiaries when public_ is ''), null when none is published. */
  function cellulePublic(annee, territoire, public_) {
    const liste = public_
      ? cellules(annee, territoire, 'public').filter(function (c) { return c.modalite === public_; })
      : cellules(annee, territoire, 'ensemble');
    return liste[0] || null;
  }
  function valeurIndicateur(cellule, indicateur) {
    return indicateur === 'heures' ? cellule.heures : cellule.beneficiaires;
  }
  /** {etat: 'valeur' | 'secret' | 'absent', valeur} of a number of a cell (null cell = no published row). */
  function lire(cellule, valeur) {
    if (!cellule) return { etat: 'absent', valeur: null };
    if (valeur === null || valeur === undefined) return { etat: cellule.secret ? 'secret' : 'absent', valeur: null };
    return { etat: 'valeur', valeur: valeur };
  }
  function texte(lu, format) {
    if (lu.etat === 'secret') return SECRET;
    if (lu.etat === 'absent') return ABSENT;
    return (format || nombre).format(lu.valeur);
  }
  function libellePublic(code) {
    const trouve = DATA.modalites.filter(function (m) { return m[0] === code; })[0];
    return trouve ? trouve[1] : code;
  }
  /** Rank of an age band from its label ("moins de 26 ans" < "26 à 49 ans" < "50 ans et plus"; unknown last). */
  function rangAge(modalite) {
    if (INCONNU.test(modalite)) return 1000;
    const m = /(\d+)/.exec(modalite);
    if (!m) return 999;
    return /moins|under|</i.test(modalite) ? 0 : Number(m[1]);
  }
  function estFemmes(sexe) { return /^f/i.test(sexe); }
  function nomTerritoire(t) {
    if (t.niveau === 'commune' && communes.has(t.code)) return t.nom + ' (' + communes.get(t.code).dep + ')';
    if (t.niveau === 'departement') return t.nom + ' (' + t.code + ')';
    return t.nom;
  }
  /** Does commune `code` belong to territory t? */
  function communeDans(code, t) {
    if (t.niveau === 'region') return communes.has(code);
    const c = communes.get(code);
    if (!c) return false;
    if (t.niveau === 'departement') return c.dep === t.code;
    if (t.niveau === 'ept') return c.ept === t.code;
    return code === t.code;
  }

  // --------------------------------------------------------------------------------------------------- state
  const anneesAvecBeneficiaires = Array.from(new Set(DATA.beneficiaires.map(function (l) { return l[0]; })));
  const etat = {
    annee: anneesAvecBeneficiaires.length ? Math.max.apply(null, anneesAvecBeneficiaires)
      : DATA.annees[DATA.annees.length - 1],
    niveau: 'region',
    code: '11',
    public: '',
    indicateur: 'beneficiaires',
    carte: 'departement',
  };
  function territoireCourant() { return territoireParCle.get(etat.niveau + ':' + etat.code); }

  const graphiques = { repartitions: {} };
  ['departement', 'ept', 'commune'].forEach(function (niveau) { echarts.registerMap(niveau, GEO[niveau]); });

  /** Every chart follows the size of its container (window resize, page layout, bar charts growing with their
   * number of bars), unless the container has no size: ECharts' geo fails on an empty view, which happens
   * while the browser lays the page out again (e.g. for a full-page screenshot). */
  const observateur = new ResizeObserver(function (entrees) {
    entrees.forEach(function (entree) {
      const chart = echarts.getInstanceByDom(entree.target);
      if (chart && entree.contentRect.width > 0 && entree.contentRect.height > 0) chart.resize();
    });
  });
  function initGraphique(id) {
    const el = document.getElementById(id);
    observateur.observe(el);
    return echarts.init(el, null, { locale: 'FR', renderer: 'canvas' });
  }
  /** Height of a bar chart for n bars. */
  function hauteur(chart, n) {
    chart.getDom().style.height = Math.max(90, 26 * n + 16) + 'px';
  }
  /** Replace a chart by a centred message (nothing published for this choice). */
  function message(chart, texteMessage) {
    chart.setOption({
      animation: false,
      title: {
        text: texteMessage, left: 'center', top: 'middle',
        textStyle: {
          color: '#6b7280', fontSize: 13, fontWeight: 'normal', width: 300, overflow: 'break', lineHeight: 19,
          align: 'center',
        },
      },
      series: [],
    }, true);
  }

  // ------------------------------------------------------------------------------------------------- filters
  const selAnnee = document.getElementById('filtre-annee');
  const selNiveau = document.getElementById('filtre-niveau');
  const selTerritoire = document.getElementById('filtre-territoire');
  const selPublic = document.getElementById('filtre-public');

  function options(select, liste) {
    select.replaceChildren.apply(select, liste.map(function (o) {
      const option = document.createElement('option');
      option.value = o.valeur;
      option.textContent = o.texte;
      return option;
    }));
  }
  options(selAnnee, DATA.annees.slice().reverse().map(function (a) { return { valeur: a, texte: String(a) }; }));
  const publics = Array.from(new Set(DATA.beneficiaires.filter(function (l) {
    return DATA.dimensions[l[2]] === 'public';
  }).map(function (l) { return DATA.modalites[l[3]][0]; }))).map(function (code) {
    return { valeur: code, texte: libellePublic(code) };
  }).sort(function (a, b) { return a.texte.localeCompare(b.texte, 'fr'); });
  options(selPublic, [{ valeur: '', texte: 'Tous les publics' }].concat(publics));

  function remplirTerritoires() {
    const liste = territoires.filter(function (t) { return t.niveau === etat.niveau; });
    liste.sort(function (a, b) {
      return etat.niveau === 'departement' ? a.code.localeCompare(b.code) : a.nom.localeCompare(b.nom, 'fr');
    });
    options(selTerritoire, liste.map(function (t) { return { valeur: t.code, texte: nomTerritoire(t) }; }));
  }
  /** Default territory of a level: the one with the most beneficiaries in the chosen year. */
  function territoireParDefaut(niveau) {
    let meilleur = null;
    let max = -1;
    territoires.forEach(function (t) {
      if (t.niveau !== niveau) return;
      const c = cellulePublic(etat.annee, t, '');
      const v = c && c.beneficiaires !== null ? c.beneficiaires : -1;
      if (meilleur === null || v > max) { meilleur = t; max = v; }
    });
    return meilleur;
  }
  function synchroniserFiltres() {
    selAnnee.value = String(etat.annee);
    selNiveau.value = etat.niveau;
    remplirTerritoires();
    selTerritoire.value = etat.code;
    selPublic.value = etat.public;
    document.querySelectorAll('#filtre-indicateur button').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.dataset.indicateur === etat.indicateur));
    });
    document.querySelectorAll('#onglets-carte button').forEach(function (b) {
      b.setAttribute('aria-selected', String(b.dataset.carte === etat.carte));
    });
  }
  function choisirTerritoire(niveau, code) {
    etat.niveau = niveau;
    etat.code = code;
    if (niveau !== 'region') etat.carte = niveau;
    synchroniserFiltres();
    afficher();
  }

  selAnnee.addEventListener('change', function () { etat.annee = Number(selAnnee.value); afficher(); });
  selNiveau.addEventListener('change', function () {
    choisirTerritoire(selNiveau.value, territoireParDefaut(selNiveau.value).code);
  });
  selTerritoire.addEventListener('change', function () { etat.code = selTerritoire.value; afficher(); });
  selPublic.addEventListener('change', function () { etat.public = selPublic.value; afficher(); });
  document.querySelectorAll('#filtre-indicateur button').forEach(function (b) {
    b.addEventListener('click', function () {
      etat.indicateur = b.dataset.indicateur;
      synchroniserFiltres();
      afficher();
    });
  });
  document.querySelectorAll('#onglets-carte button').forEach(function (b) {
    b.addEventListener('click', function () {
      etat.carte = b.dataset.carte;
      synchroniserFiltres();
      afficherCarte();
    });
  });

  // ---------------------------------------------------------------------------------------------- key figures
  function chiffre(id, lu, format, note) {
    const el = document.getElementById('chiffre-' + id);
    el.textContent = texte(lu, format);
    el.dataset.etat = lu.etat;
    el.dataset.valeur = lu.etat === 'valeur' ? String(lu.valeur) : '';
    el.classList.toggle('est-secret', lu.etat === 'secret');
    el.classList.toggle('est-absent', lu.etat === 'absent');
    document.getElementById('note-' + id).textContent = note;
  }

  function afficherChiffres(t) {
    const communal = t.niveau === 'commune';
    const c = cellulePublic(etat.annee, t, etat.public);
    const pourQui = etat.public ? 'relevant du public « ' + libellePublic(etat.public) + ' »' : 'tous publics';
    const publicNonCommunal = communal && etat.public ? " Le public n'est pas publié à l'échelon communal." : '';
    chiffre('beneficiaires', lire(c, c && c.beneficiaires), nombre,
      'Personnes résidant dans le territoire ayant travaillé en ' + etat.annee + ', ' + pourQui + '.'
      + publicNonCommunal);
    chiffre('heures', lire(c, c && c.heures), nombre,
      'Heures réalisées en ' + etat.annee + ' par ces bénéficiaires, ' + pourQui + '.' + publicNonCommunal);

    const ensemble = cellulePublic(etat.annee, t, '');
    const femmes = cellules(etat.annee, t, 'sexe').filter(function (x) { return estFemmes(x.modalite); })[0] || null;
    const luFemmes = lire(femmes, femmes && femmes.beneficiaires);
    const luEnsemble = lire(ensemble, ensemble && ensemble.beneficiaires);
    let part = luFemmes;
    if (luFemmes.etat === 'valeur') {
      part = luEnsemble.etat === 'valeur' && luEnsemble.valeur > 0
        ? { etat: 'valeur', valeur: luFemmes.valeur / luEnsemble.valeur }
        : (luEnsemble.etat === 'valeur' ? { etat: 'absent', valeur: null } : luEnsemble);
    }
    let noteFemmes = 'Parmi les bénéficiaires, tous publics.';
    if (communal) noteFemmes = "Le sexe n'est pas publié à l'échelon communal.";
    else if (luFemmes.etat === 'valeur') {
      noteFemmes = nombre.format(luFemmes.valeur) + ' femmes parmi les bénéficiaires, tous publics.';
    }
    chiffre('femmes', part, pourcent, noteFemmes);

    const ch = chantiers.get(etat.annee + '|' + t.index) || null;
    const prevues = lire(ch, ch && ch.heuresPrevues);
    const operations = lire(ch, ch && ch.operations);
    chiffre('chantiers', lire(ch, ch && ch.heures), nombre,
      'Heures réalisées en ' + etat.annee + ' sur les opérations situées dans le territoire, tous publics ; '
      + texte(prevues) + ' heures prévues par les marchés notifiés, ' + texte(operations) + ' opérations.');
  }

  // ------------------------------------------------------------------------------------------ shared helpers
  /** Scatter series writing "secret statistique" where a masked bar would be (x = 0 on a horizontal bar). */
  function serieSecrets(categories, estSecret, position) {
    return {
      type: 'scatter', name: SECRET, symbolSize: 1, z: 5, itemStyle: { color: 'transparent' },
      data: categories.filter(function (c, i) { return estSecret[i]; }).map(function (c) { return [0, c]; }),
      label: {
        show: true, position: position, formatter: SECRET, color: COULEURS.texteSecret, fontStyle: 'italic',
        fontSize: 11,
      },
      tooltip: { formatter: function (p) { return p.value[1] + ' : ' + SECRET; } },
    };
  }
  /** Horizontal bars, one per line {libelle, lu, couleur?, surligne?}; masked lines say "secret statistique". */
  function barresHorizontales(chart, lignes, opts) {
    const categories = lignes.map(function (l) { return l.libelle; });
    const secrets = lignes.map(function (l) { return l.lu.etat === 'secret'; });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 60, top: 4, bottom: 4, containLabel: true },
      tooltip: { trigger: 'item', confine: true },
      xAxis: { type: 'value', axisLabel: { show: false }, splitLine: { show: false }, axisLine: { show: false } },
      yAxis: {
        type: 'category', inverse: true, data: categories, axisTick: { show: false },
        axisLine: { lineStyle: { color: '#c9ced6' } },
        axisLabel: { width: opts.largeurLibelles || 200, overflow: 'truncate', color: '#333a47', fontSize: 11 },
      },
      series: [
        {
          type: 'bar', name: opts.unite, barMaxWidth: 18,
          data: lignes.map(function (l) {
            return {
              value: l.lu.etat === 'valeur' ? l.lu.valeur : '-', etat: l.lu.etat, complement: l.complement,
              itemStyle: { color: l.surligne ? COULEURS.selection : (l.couleur || opts.couleur) },
            };
          }),
          label: {
            show: true, position: 'right', fontSize: 11, color: '#333a47',
            formatter: function (p) { return nombre.format(p.value); },
          },
          tooltip: {
            formatter: function (p) {
              return p.name + ' : ' + nombre.format(p.value) + ' ' + opts.unite + (p.data.complement || '');
            },
          },
        },
        serieSecrets(categories, secrets, 'right'),
      ],
    }, true);
  }
  /** Sort lines: by code (numbers in order, unknown last), by age band, or by decreasing value. */
  function trier(lignes, tri) {
    if (tri === 'age') {
      return lignes.sort(function (a, b) { return rangAge(a.modalite) - rangAge(b.modalite); });
    }
    if (tri === 'code') {
      return lignes.sort(function (a, b) {
        return (INCONNU.test(a.modalite) - INCONNU.test(b.modalite))
          || a.modalite.localeCompare(b.modalite, 'fr', { numeric: true });
      });
    }
    return lignes.sort(function (a, b) {
      const va = a.lu.etat === 'valeur' ? a.lu.valeur : -1;
      const vb = b.lu.etat === 'valeur' ? b.lu.valeur : -1;
      return (INCONNU.test(a.modalite) - INCONNU.test(b.modalite)) || vb - va
        || a.libelle.localeCompare(b.libelle, 'fr');
    });
  }

  // -------------------------------------------------------------------------------------------- hours / month
  // The years from the first to the last with published monthly hours.
  const anneesMois = (function () {
    const annees = DATA.heures_mois.map(function (l) { return l[0]; });
    const liste = [];
    for (let a = Math.min.apply(null, annees); a <= Math.max.apply(null, annees); a += 1) liste.push(a);
    return liste;
  }());
  function afficherMois(t) {
    if (t.niveau === 'commune') { message(graphiques.mois, NON_COMMUNAL); return; }
    const parMois = heuresMois.get(t.index) || new Map();
    const categories = [];
    const valeurs = [];
    const secrets = [];
    let debut = null;
    let fin = null;
    anneesMois.forEach(function (annee) {
      for (let mois = 1; mois <= 12; mois += 1) {
        const libelleMois = moisLong.format(new Date(annee, mois - 1, 1));
        const c = parMois.get(annee + '-' + mois) || null;
        const lu = lire(c, c && c.heures);
        categories.push(libelleMois);
        valeurs.push({
          value: lu.etat === 'valeur' ? lu.valeur : '-', etat: lu.etat, beneficiaires: c && c.beneficiaires,
          itemStyle: { color: annee === etat.annee ? COULEURS.heures : '#e3b99c' },
        });
        if (lu.etat === 'secret') secrets.push([{ xAxis: libelleMois }, { xAxis: libelleMois }]);
        if (annee === etat.annee && mois === 1) debut = libelleMois;
        if (annee === etat.annee && mois === 12) fin = libelleMois;
      }
    });
    graphiques.mois.setOption({
      animation: false,
      grid: { left: 10, right: 16, top: 34, bottom: 8, containLabel: true },
      legend: { top: 0, right: 0, data: ['Heures réalisées', SECRET], textStyle: { fontSize: 12 } },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          if (p.seriesName === SECRET) return p.name + ' : ' + SECRET;
          const d = p.data;
          if (d.etat !== 'valeur') return p.name + ' : ' + (d.etat === 'secret' ? SECRET : 'aucune heure publiée');
          return p.name + '<br>' + nombre.format(d.value) + ' heures'
            + (d.beneficiaires !== null ? '<br>' + nombre.format(d.beneficiaires) + ' bénéficiaires' : '');
        },
      },
      xAxis: {
        type: 'category', data: categories, axisTick: { show: false },
        axisLabel: {
          interval: 0, color: '#333a47',
          formatter: function (v) { return /^janvier/.test(v) ? v.replace('janvier ', '') : ''; },
        },
      },
      yAxis: {
        type: 'value', name: 'heures', nameTextStyle: { color: '#4d5566', align: 'left' },
        axisLabel: { formatter: function (v) { return nombre.format(v); }, color: '#4d5566' },
        splitLine: { lineStyle: { color: '#eceff3' } },
      },
      series: [
        {
          type: 'bar', name: 'Heures réalisées', data: valeurs, barCategoryGap: '18%',
          itemStyle: { color: COULEURS.heures },
          markArea: debut ? {
            silent: true, itemStyle: { color: 'rgba(192, 100, 43, 0.07)' },
            label: {
              show: true, position: 'insideTop', color: '#8a4a22', fontWeight: 600, formatter: String(etat.annee),
            },
            data: [[{ xAxis: debut }, { xAxis: fin }]],
          } : undefined,
        },
        {
          type: 'bar', name: SECRET, data: [], itemStyle: { color: 'rgba(150, 158, 170, 0.35)' },
          markArea: { itemStyle: { color: 'rgba(150, 158, 170, 0.35)' }, data: secrets },
        },
      ],
    }, true);
  }

  // ------------------------------------------------------------------------------------------------ pyramid
  /** Smallest round even bound (2, 4, 5, 6, 8 or 10 x 10^k, at least 2) at or above x: a symmetric axis
   * -bound, -bound/2, 0, bound/2, bound. */
  function arrondiHaut(x) {
    if (!(x > 2)) return 2;
    const puissance = Math.pow(10, Math.floor(Math.log10(x)));
    const pas = [1, 2, 4, 5, 6, 8, 10].find(function (p) { return p * puissance >= x; });
    return pas * puissance;
  }
  function afficherPyramide(t) {
    const indicateur = etat.indicateur;
    document.getElementById('note-pyramide').textContent = INDICATEURS[indicateur].libelle + ' par sexe et tranche '
      + "d'âge à l'entrée, " + etat.annee + ', ' + nomTerritoire(t) + ', tous publics.';
    if (t.niveau === 'commune') { message(graphiques.pyramide, NON_COMMUNAL); return; }
    const parTranche = new Map();
    cellules(etat.annee, t, 'sexe_tranche_age').forEach(function (c) {
      const parts = c.modalite.split('|');
      const tranche = parts.slice(1).join('|');
      if (!parTranche.has(tranche)) parTranche.set(tranche, {});
      parTranche.get(tranche)[estFemmes(parts[0]) ? 'femmes' : 'hommes'] = lire(c, valeurIndicateur(c, indicateur));
    });
    if (!parTranche.size) {
      message(graphiques.pyramide, 'Aucune donnée publiée pour ce territoire en ' + etat.annee + '.');
      return;
    }
    const tranches = Array.from(parTranche.keys()).sort(function (a, b) { return rangAge(b) - rangAge(a); });
    const absent = { etat: 'absent', valeur: null };
    let maxAbs = 0;
    parTranche.forEach(function (parSexe) {
      ['femmes', 'hommes'].forEach(function (sexe) {
        if (parSexe[sexe] && parSexe[sexe].etat === 'valeur') maxAbs = Math.max(maxAbs, parSexe[sexe].valeur);
      });
    });
    function serie(sexe, signe, couleur, nom) {
      return {
        type: 'bar', name: nom, stack: 'pyramide', barMaxWidth: 34, itemStyle: { color: couleur },
        data: tranches.map(function (tr) {
          const lu = parTranche.get(tr)[sexe] || absent;
          return { value: lu.etat === 'valeur' ? signe * lu.valeur : '-', etat: lu.etat };
        }),
        label: {
          show: true, position: signe < 0 ? 'left' : 'right', fontSize: 11, color: '#333a47',
          formatter: function (p) { return nombre.format(Math.abs(p.value)); },
        },
        tooltip: {
          formatter: function (p) {
            return nom + ', ' + p.name + ' : ' + nombre.format(Math.abs(p.value)) + ' ' + INDICATEURS[indicateur].unite;
          },
        },
      };
    }
    function secrets(sexe) {
      return tranches.map(function (tr) { return (parTranche.get(tr)[sexe] || absent).etat === 'secret'; });
    }
    const borne = arrondiHaut(1.2 * maxAbs);
    graphiques.pyramide.setOption({
      animation: false,
      legend: { top: 0, data: ['Hommes', 'Femmes'] },
      tooltip: { trigger: 'item', confine: true },
      grid: { left: 40, right: 40, top: 34, bottom: 8, containLabel: true },
      xAxis: {
        // room left beyond the longest bar for its label
        type: 'value', min: -borne, max: borne, interval: borne / 2,
        axisLabel: {
          show: maxAbs > 0, color: '#4d5566', formatter: function (v) { return nombre.format(Math.abs(v)); },
        },
        splitLine: { lineStyle: { color: '#eceff3' } },
      },
      yAxis: { type: 'category', data: tranches, axisTick: { show: false }, axisLabel: { color: '#333a47' } },
      series: [
        serie('hommes', -1, COULEURS.hommes, 'Hommes'),
        serie('femmes', 1, COULEURS.femmes, 'Femmes'),
        serieSecrets(tranches, secrets('hommes'), 'left'),
        serieSecrets(tranches, secrets('femmes'), 'right'),
      ],
    }, true);
  }

  // ---------------------------------------------------------------------------------------- choropleth maps
  /** Classes of a choropleth: 0 on its own, then up to 5 classes with quantile limits over the published
   * positive values. */
  function classes(valeurs) {
    const liste = valeurs.indexOf(0) >= 0 ? [{ debut: 0, fin: 0, couleur: COULEUR_ZERO }] : [];
    const v = valeurs.filter(function (x) { return x > 0; }).sort(function (a, b) { return a - b; });
    if (!v.length) return liste;
    const n = Math.min(PALETTE_CARTE.length, new Set(v).size);
    const limites = [v[0]];
    for (let i = 1; i < n; i += 1) {
      const b = v[Math.floor((i * v.length) / n)];
      if (b > limites[limites.length - 1]) limites.push(b);
    }
    return liste.concat(limites.map(function (debut, i) {
      const rang = limites.length === 1 ? 2 : Math.round((i * (PALETTE_CARTE.length - 1)) / (limites.length - 1));
      return {
        debut: debut, fin: i + 1 < limites.length ? limites[i + 1] : null, couleur: PALETTE_CARTE[rang],
        max: v[v.length - 1],
      };
    }));
  }
  function couleurClasse(liste, valeur) {
    let couleur = liste[0].couleur;
    liste.forEach(function (c) { if (valeur >= c.debut) couleur = c.couleur; });
    return couleur;
  }

  function afficherCarte() {
    const niveau = etat.carte;
    const indicateur = etat.indicateur;
    // Communes carry no breakdown: their map shows all publics whatever the public filter (the note says so).
    const public_ = niveau === 'commune' ? '' : etat.public;
    const courant = territoireCourant();
    const items = GEO[niveau].features.map(function (f) {
      const t = territoireParCle.get(niveau + ':' + f.properties.code);
      const c = t ? cellulePublic(etat.annee, t, public_) : null;
      return { name: f.properties.code, nom: f.properties.nom, lu: lire(c, c && valeurIndicateur(c, indicateur)) };
    });
    const liste = classes(items.filter(function (i) { return i.lu.etat === 'valeur'; }).map(function (i) {
      return i.lu.valeur;
    }));
    const trait = niveau === 'commune' ? 0.3 : 0.9;
    graphiques.carte.setOption({
      animation: false,
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          if (!p.data) return p.name;
          return '<strong>' + p.data.nom + '</strong><br>' + INDICATEURS[indicateur].libelle + ' ' + etat.annee
            + ' : ' + texte(p.data.lu);
        },
      },
      series: [{
        type: 'map', map: niveau, nameProperty: 'code', aspectScale: 0.66, roam: true,
        left: 8, right: 8, top: 8, bottom: 8,
        selectedMode: false,
        label: {
          show: niveau === 'departement', fontSize: 11, fontWeight: 600, color: '#1d2433',
          textBorderColor: '#ffffff', textBorderWidth: 2.5, formatter: function (p) { return p.name; },
        },
        itemStyle: { borderColor: COULEURS.bordure, borderWidth: trait },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#ffd8a8' } },
        data: items.map(function (i) {
          const estCourant = courant && courant.niveau === niveau && courant.code === i.name;
          let couleur = COULEURS.absent;
          if (i.lu.etat === 'valeur') couleur = couleurClasse(liste, i.lu.valeur);
          else if (i.lu.etat === 'secret') couleur = COULEURS.secret;
          return {
            name: i.name, nom: i.nom, lu: i.lu, etat: i.lu.etat, value: i.lu.etat === 'valeur' ? i.lu.valeur : null,
            itemStyle: {
              areaColor: couleur,
              borderColor: estCourant ? COULEURS.selection : COULEURS.bordure,
              borderWidth: estCourant ? 2.5 : trait,
              decal: i.lu.etat === 'secret' ? HACHURES : undefined,
            },
          };
        }),
      }],
    }, true);
    legendeCarte(liste, indicateur);
    let note = INDICATEURS[indicateur].libelle + ' ' + etat.annee + ' par ' + NIVEAUX_CARTE[niveau] + ' de résidence, '
      + (public_ ? 'public « ' + libellePublic(public_) + ' »' : 'tous publics') + '.';
    if (etat.public && !public_) note += " Le public n'est pas publié à l'échelon communal.";
    document.getElementById('note-carte').textContent = note + ' Cliquer sur un territoire pour le choisir.';
  }
  function legendeCarte(liste, indicateur) {
    const el = document.getElementById('legende-carte');
    const cases = liste.map(function (c) {
      let txt = nombre.format(c.debut) + ' à moins de ' + nombre.format(c.fin);
      if (c.fin === 0) txt = '0';
      else if (c.fin === null) txt = c.max === c.debut ? nombre.format(c.debut) : nombre.format(c.debut) + ' et plus';
      return caseLegende(c.couleur, txt);
    });
    cases.push(caseLegende(null, SECRET, 'legende__pastille--secret'));
    cases.push(caseLegende(COULEURS.absent, ABSENT));
    const titre = document.createElement('span');
    titre.textContent = INDICATEURS[indicateur].libelle + ' :';
    el.replaceChildren.apply(el, [titre].concat(cases));
  }
  function caseLegende(couleur, txt, classe) {
    const span = document.createElement('span');
    span.className = 'legende__case';
    const pastille = document.createElement('span');
    pastille.className = 'legende__pastille' + (classe ? ' ' + classe : '');
    if (couleur) pastille.style.background = couleur;
    span.appendChild(pastille);
    span.appendChild(document.createTextNode(txt));
    return span;
  }

  // ----------------------------------------------------------------------------------------- structures map
  /** [minLon, minLat, maxLon, maxLat] of a list of features. */
  function empriseDe(features) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    features.forEach(function (f) {
      const polygones = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      polygones.forEach(function (p) {
        p[0].forEach(function (pt) {
          b[0] = Math.min(b[0], pt[0]); b[1] = Math.min(b[1], pt[1]);
          b[2] = Math.max(b[2], pt[0]); b[3] = Math.max(b[3], pt[1]);
        });
      });
    });
    return b[0] === Infinity ? null : b;
  }
  const EMPRISE_REGION = empriseDe(GEO.departement.features);
  /** Center and zoom of the structures map showing territory t (the whole region: no zoom). */
  function cadrage(t) {
    const b = t.niveau === 'region' ? null
      : empriseDe(GEO.commune.features.filter(function (f) { return communeDans(f.properties.code, t); }));
    if (!b) return { centre: undefined, zoom: 1 };
    const r = EMPRISE_REGION;
    const zoom = 0.85 * Math.min((r[2] - r[0]) / Math.max(b[2] - b[0], 1e-3),
      (r[3] - r[1]) / Math.max(b[3] - b[1], 1e-3));
    return { centre: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], zoom: Math.max(1, Math.min(40, zoom)) };
  }
  /** Structures placed at their commune's centroid are spread on a small sunflower spiral around it, so that
   * each one stays visible (the k-th at 250 m x sqrt(k)); their position is marked approximate. */
  function positionsAffichees(lignes) {
    const rangParCommune = new Map();
    return lignes.map(function (l) {
      if (l[5] !== 1) return [l[3], l[4]];
      const k = rangParCommune.get(l[2]) || 0;
      rangParCommune.set(l[2], k + 1);
      const rayon = 0.00225 * Math.sqrt(k);
      const angle = k * 2.399963;
      return [l[3] + (rayon * Math.cos(angle)) / Math.cos((l[4] * Math.PI) / 180), l[4] + rayon * Math.sin(angle)];
    });
  }
  function afficherStructures(t) {
    const s = DATA.structures;
    const dans = s.lignes.filter(function (l) { return communeDans(l[2], t); });
    const positions = positionsAffichees(dans);
    const approx = dans.filter(function (l) { return l[5] === 1; }).length;
    const series = s.types.map(function (type, i) {
      const donnees = [];
      dans.forEach(function (l, j) {
        if (l[1] !== i) return;
        donnees.push({
          name: l[0], value: positions[j], commune: l[2], approx: l[5] === 1,
          symbol: l[5] === 1 ? 'emptyCircle' : 'circle',
        });
      });
      return {
        type: 'scatter', coordinateSystem: 'geo', name: type, symbolSize: 7, data: donnees,
        itemStyle: { color: PALETTE_TYPES[i % PALETTE_TYPES.length], opacity: 0.95 },
      };
    });
    const vue = cadrage(t);
    const regions = t.niveau === 'region' ? [] : GEO.commune.features.filter(function (f) {
      return communeDans(f.properties.code, t);
    }).map(function (f) { return { name: f.properties.code, itemStyle: { areaColor: '#dfe9f6' } }; });
    graphiques.structures.setOption({
      animation: false,
      legend: { bottom: 0, type: 'scroll', textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: 'item', confine: true,
        formatter: function (p) {
          if (!p.data || !p.data.value) return p.name;
          const c = communes.get(p.data.commune);
          return '<strong>' + p.name + '</strong><br>' + p.seriesName + ' · ' + (c ? c.nom : p.data.commune)
            + (p.data.approx ? '<br><em>position approximative (centre de la commune)</em>' : '');
        },
      },
      geo: {
        map: 'commune', nameProperty: 'code', roam: true, aspectScale: 0.66, left: 8, right: 8, top: 8, bottom: 36,
        center: vue.centre, zoom: vue.zoom, silent: true, regions: regions,
        itemStyle: { areaColor: '#f4f6f9', borderColor: '#d3d8e0', borderWidth: 0.4 },
        label: { show: false },
      },
      series: series,
    }, true);

    const nonLocalisees = t.niveau === 'region'
      ? Object.values(s.non_localisees).reduce(function (a, b) { return a + b; }, 0)
      : (t.niveau === 'departement' ? s.non_localisees[t.code] || 0 : 0);
    document.getElementById('note-structures').textContent = nombre.format(dans.length)
      + ' structures sur la carte (' + nomTerritoire(t) + '), dont ' + nombre.format(approx)
      + ' placées autour du centre de leur commune faute de coordonnées dans le registre.'
      + (nonLocalisees > 1
        ? ' ' + nombre.format(nonLocalisees) + " structures sans commune connue n'y figurent pas." : '')
      + (nonLocalisees === 1 ? " Une structure sans commune connue n'y figure pas." : '');
    afficherTypesStructures(t, dans);
  }
  /** Structures by type: the published counts per territory (region, département, EPT), else the listed ones. */
  function afficherTypesStructures(t, dans) {
    const publies = structuresTerritoire.get(t.index);
    let lignes;
    let note;
    if (publies) {
      lignes = publies.filter(function (r) { return AGREGATS_STRUCTURES.indexOf(r.type) < 0 && r.structures > 0; })
        .map(function (r) {
          return {
            modalite: r.type, libelle: r.type, lu: lire(r, r.structures),
            complement: r.pour100000 === null ? '' : ' (' + decimal.format(r.pour100000) + ' pour 100 000 habitants)',
          };
        });
      const ensemble = publies.filter(function (r) { return r.type === 'ensemble'; })[0];
      note = ensemble ? nombre.format(ensemble.structures) + ' structures'
        + (ensemble.pour100000 === null ? ''
          : ', soit ' + decimal.format(ensemble.pour100000) + ' pour 100 000 habitants')
        + ' (une structure de plusieurs types compte dans chacun).' : '';
    } else {
      lignes = DATA.structures.types.map(function (type, i) {
        const n = dans.filter(function (l) { return l[1] === i; }).length;
        return { modalite: type, libelle: type, lu: { etat: 'valeur', valeur: n } };
      }).filter(function (l) { return l.lu.valeur > 0; });
      note = 'Structures de la liste situées dans la commune.';
    }
    lignes.forEach(function (l) {
      const i = DATA.structures.types.indexOf(l.modalite);
      l.couleur = i < 0 ? '#8a93a3' : PALETTE_TYPES[i % PALETTE_TYPES.length];
    });
    trier(lignes, 'valeur');
    document.getElementById('note-types-structures').textContent = note;
    if (!lignes.length) {
      message(graphiques.typesStructures, 'Aucune structure recensée dans ce territoire.');
      return;
    }
    hauteur(graphiques.typesStructures, Math.max(lignes.length, 3));
    barresHorizontales(graphiques.typesStructures, lignes, { unite: 'structures', largeurLibelles: 60 });
  }

  // ------------------------------------------------------------------------------------------------ outcomes
  function afficherSorties(t) {
    if (t.niveau === 'commune') {
      document.getElementById('note-sorties').textContent = 'Sorties par issue, territoire de résidence.';
      message(graphiques.sorties, NON_COMMUNAL);
      return;
    }
    const toutes = sorties.get(etat.annee + '|' + t.index) || [];
    const ensemble = toutes.filter(function (c) { return c.modalite === 'ensemble'; })[0] || null;
    const lignes = toutes.filter(function (c) { return c.modalite !== 'ensemble'; }).map(function (c) {
      return { modalite: c.modalite, libelle: c.libelle, lu: lire(c, c.sorties) };
    }).sort(function (a, b) { return rangIssue(a.modalite) - rangIssue(b.modalite); });
    const total = lire(ensemble, ensemble && ensemble.sorties);
    document.getElementById('note-sorties').textContent = 'Sorties de bénéficiaires en ' + etat.annee
      + ' par issue (situation à six mois quand elle est connue), territoire de résidence, tous publics. Ensemble : '
      + texte(total) + '.';
    if (!lignes.length) {
      message(graphiques.sorties, 'Aucune sortie publiée pour ce territoire en ' + etat.annee + '.');
      return;
    }
    barresHorizontales(graphiques.sorties, lignes, { unite: 'sorties', couleur: COULEURS.sorties });
  }

  // ---------------------------------------------------------------------------------------------- breakdowns
  const conteneurRepartitions = document.getElementById('repartitions');
  REPARTITIONS.forEach(function (r) {
    const bloc = document.createElement('div');
    bloc.className = 'repartition';
    const titre = document.createElement('h3');
    titre.textContent = r.titre;
    const div = document.createElement('div');
    div.className = 'graphique';
    div.id = 'repartition-' + r.dimension;
    div.setAttribute('role', 'img');
    div.setAttribute('aria-label', r.titre);
    bloc.appendChild(titre);
    bloc.appendChild(div);
    conteneurRepartitions.appendChild(bloc);
  });
  function afficherRepartitions(t) {
    const indicateur = etat.indicateur;
    REPARTITIONS.forEach(function (r) {
      const chart = graphiques.repartitions[r.dimension];
      if (t.niveau === 'commune') { hauteur(chart, 2); message(chart, "Non publié à l'échelon communal."); return; }
      const lignes = trier(cellules(etat.annee, t, r.dimension).map(function (c) {
        return {
          modalite: c.modalite, libelle: c.libelle, lu: lire(c, valeurIndicateur(c, indicateur)),
          surligne: r.dimension === 'public' && c.modalite === etat.public,
        };
      }), r.tri);
      hauteur(chart, Math.max(lignes.length, 2));
      if (!lignes.length) { message(chart, ABSENT); return; }
      barresHorizontales(chart, lignes, {
        unite: INDICATEURS[indicateur].unite, couleur: INDICATEURS[indicateur].couleur,
      });
    });
    let note = INDICATEURS[indicateur].libelle + ' en ' + etat.annee + ', ' + nomTerritoire(t)
      + " (territoire de résidence). Une personne peut relever de plusieurs publics, types de contrat ou modalités.";
    if (etat.public) {
      note += ' Ces répartitions portent sur tous les publics : les données ouvertes ne croisent pas le public avec '
        + 'les autres caractéristiques (le public choisi est surligné).';
    }
    document.getElementById('note-repartitions').textContent = note;
  }

  /** No clause-tracking data yet: every tracking section says so (never a chart of zeros); structures remain. */
  function afficherSansSuivi(t) {
    ['beneficiaires', 'heures', 'femmes', 'chantiers'].forEach(function (id) {
      chiffre(id, { etat: 'absent', valeur: null }, nombre, SANS_SUIVI);
    });
    [graphiques.mois, graphiques.pyramide, graphiques.carte, graphiques.sorties].forEach(function (chart) {
      message(chart, SANS_SUIVI);
    });
    REPARTITIONS.forEach(function (r) {
      const chart = graphiques.repartitions[r.dimension];
      hauteur(chart, 2);
      message(chart, ABSENT);
    });
    document.getElementById('note-repartitions').textContent = SANS_SUIVI;
    document.getElementById('legende-carte').textContent = '';
    const ctx = document.getElementById('contexte');
    ctx.textContent = nomTerritoire(t) + ' — ' + SANS_SUIVI;
    selAnnee.disabled = true;
    afficherStructures(t);
  }

  // ----------------------------------------------------------------------------------------------- rendering
  function afficher() {
    const t = territoireCourant();
    if (window.ObservatoireQPV) window.ObservatoireQPV.afficher(t, etat.annee);  // assets/qpv.js
    if (!DATA.annees.length) { afficherSansSuivi(t); return; }
    const ctx = document.getElementById('contexte');
    const fort = document.createElement('strong');
    fort.textContent = nomTerritoire(t) + ' · ' + etat.annee
      + (etat.public ? ' · ' + libellePublic(etat.public) : '');
    ctx.replaceChildren(fort, document.createTextNode(' — bénéficiaires rattachés à leur commune de résidence ; '
      + 'heures mensuelles et heures sur les chantiers rattachées au lieu des opérations.'));
    afficherChiffres(t);
    afficherMois(t);
    afficherPyramide(t);
    afficherCarte();
    afficherStructures(t);
    afficherSorties(t);
    afficherRepartitions(t);
  }

  graphiques.mois = initGraphique('graphique-mois');
  graphiques.pyramide = initGraphique('graphique-pyramide');
  graphiques.carte = initGraphique('carte-residence');
  graphiques.structures = initGraphique('carte-structures');
  graphiques.typesStructures = initGraphique('graphique-types-structures');
  graphiques.sorties = initGraphique('graphique-sorties');
  REPARTITIONS.forEach(function (r) {
    graphiques.repartitions[r.dimension] = initGraphique('repartition-' + r.dimension);
  });
  graphiques.carte.on('click', function (p) {
    if (p.data) choisirTerritoire(etat.carte, p.name);
  });

  document.getElementById('date-generation').textContent = DATA.genere_le;
  synchroniserFiltres();
  afficher();
  // For the browser test and for debugging from the console: the state and the chart instances; `outils`: the
  // helpers the sections drawn by other scripts share (contracts.js, buyers.js).
  window.dataviz = {
    etat: etat, graphiques: graphiques, pret: true,
    outils: { initGraphique, hauteur, message, barresHorizontales, options, nombre, pourcent, SECRET, ABSENT },
  };
}());
